"""User-facing texts in Polish (default) and English, in one place."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "pl": {
        "abstain": "Nie znalazłem w dokumentach informacji, która odpowiada na to pytanie.",
        "closest": "Najbliższe dokumenty, które warto sprawdzić:",
        "empty_question": "Wpisz pytanie.",
        "no_index": "Indeks nie jest jeszcze zbudowany.",
        "sources": "Źródła",
        "page": "str.",
    },
    "en": {
        "abstain": "I could not find information in the documents that answers this question.",
        "closest": "The closest documents worth checking:",
        "empty_question": "Type a question.",
        "no_index": "The index has not been built yet.",
        "sources": "Sources",
        "page": "p.",
    },
}


def message(key: str, lang: str = "pl") -> str:
    """The text for ``key`` in ``lang`` (falls back to Polish)."""
    return MESSAGES.get(lang, MESSAGES["pl"]).get(key) or MESSAGES["pl"][key]

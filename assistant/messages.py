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
        "llm_failed": "Model językowy nie odpowiedział; podaję odpowiedź złożoną z cytatów.",
        "llm_fallback": "Żadne zdanie wygenerowanej odpowiedzi nie znalazło potwierdzenia w źródłach; podaję odpowiedź złożoną z cytatów.",
        "llm_removed": "Usunięto zdania bez potwierdzenia w cytowanych źródłach: {n}.",
        "unverified": "[niepotwierdzone w źródłach]",
        "llm_unavailable": "Model językowy nie jest skonfigurowany ({reason}); podaję odpowiedź złożoną z cytatów.",
        "postulate": "Postulat",
        "response": "Odpowiedź",
        "no_response": "(w dokumencie nie zapisano odpowiedzi)",
        "source": "Źródło",
        "similarity": "podobieństwo",
        "no_precedents": "Nie znalazłem podobnych postulatów w dokumentach.",
    },
    "en": {
        "abstain": "I could not find information in the documents that answers this question.",
        "closest": "The closest documents worth checking:",
        "empty_question": "Type a question.",
        "no_index": "The index has not been built yet.",
        "sources": "Sources",
        "page": "p.",
        "llm_failed": "The language model did not answer; here is the answer made of quotes.",
        "llm_fallback": "No sentence of the generated answer was supported by the sources; here is the answer made of quotes.",
        "llm_removed": "Sentences not supported by their cited sources were removed: {n}.",
        "unverified": "[not supported by the sources]",
        "llm_unavailable": "No language model is configured ({reason}); here is the answer made of quotes.",
        "postulate": "Postulate",
        "response": "Response",
        "no_response": "(no response recorded in the document)",
        "source": "Source",
        "similarity": "similarity",
        "no_precedents": "I found no similar postulates in the documents.",
    },
}


def message(key: str, lang: str = "pl", **values: object) -> str:
    """The text for ``key`` in ``lang`` (falls back to Polish), with ``values`` filled in."""
    text = MESSAGES.get(lang, MESSAGES["pl"]).get(key) or MESSAGES["pl"][key]
    return text.format(**values) if values else text

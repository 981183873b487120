"""Polish word lists and patterns, in one place, matched on Morfeusz lemmas.

Months, the head nouns of organisation and city-unit names, and the glue words that may
continue such a name: every component that recognises them asks here, so a word list is
written once and inflected forms (``czerwca``, ``Fundacji``, ``Wydziałem``) meet their lemma
instead of a string prefix (``maj…`` would also take ``mają`` and ``majątek``).
"""

from __future__ import annotations

from functools import lru_cache

import morfeusz2

from indexer.text.analyzer import fold, lemmas

#: The months in order, as Morfeusz lemmas.
MONTH_LEMMAS = (
    "styczeń", "luty", "marzec", "kwiecień", "maj", "czerwiec",
    "lipiec", "sierpień", "wrzesień", "październik", "listopad", "grudzień",
)

#: Head nouns that start an organisation's name, in the nominative.
ORGANISATION_HEADS = ("Fundacja", "Stowarzyszenie", "Towarzystwo", "Związek", "Federacja", "Instytut")
#: Head words that start a city unit's or office's name, in the nominative.
UNIT_HEADS = (
    "Wydział", "Referat", "Biuro", "Pełnomocnik", "Pełnomocniczka", "Zarząd", "Urząd",
    "Miejski Ośrodek", "Miejskie Centrum", "Grodzki Urząd", "Centrum Obywatelskie",
)
#: People's offices whose title is followed by a unit's name ("Koordynator ds. …").
OFFICE_HEADS = ("Koordynator", "Koordynatorka")
#: City units known by their acronym alone.
UNIT_ACRONYMS = ("MOPS", "ZBK", "UMK", "MOWIS", "PFRON")
#: Words that may continue a name in lower case ("Fundacja z Rąk do Rąk", "ds.", "i").
NAME_GLUE = frozenset({"i", "z", "do", "na", "w", "ds.", "ds", "dla", "oraz", "im."})

# Dating a document (indexer.documents.dating).
# Lemmas of what a cited date belongs to: "ustawy z dnia …", "uchwałą Nr … z dnia …",
# "rozporządzenia Ministra … z dnia …", "w odpowiedzi na pismo z dnia …".
CITED_ACT_LEMMAS = frozenset({
    "ustawa", "uchwała", "zarządzenie", "rozporządzenie", "obwieszczenie", "dyrektywa", "decyzja",
    "postanowienie", "wyrok", "kodeks", "konwencja", "umowa", "porozumienie", "pismo", "wniosek",
})
# Lemmas that make the date after them the date of publication ("Data publikacji:",
# "Opublikowano", "Dodano:"), and those that make a short line a byline ("Autor: …, 12.03.2015").
PUBLICATION_LEMMAS = frozenset({"publikacja", "opublikować", "opublikowany", "dodać", "wytworzenie", "utworzenie"})
BYLINE_LEMMAS = frozenset({"autor", "redakcja", "publikacja", "opublikować"})
# Lemmas that make a date in a sentence the meeting's ("w dniu … odbyło się spotkanie").
MEETING_LEMMAS = frozenset({"odbyć", "obradować", "zebrać"})


@lru_cache(maxsize=1)
def _generator() -> morfeusz2.Morfeusz:
    return morfeusz2.Morfeusz(generate=True, expand_tags=False)


@lru_cache(maxsize=1)
def month_genitives() -> dict[str, int]:
    """Month names as dates write them (``24 czerwca 2025``) -> month number, also without
    Polish letters (``wrzesnia``): the genitive forms Morfeusz generates from :data:`MONTH_LEMMAS`."""
    forms: dict[str, int] = {}
    for number, lemma in enumerate(MONTH_LEMMAS, start=1):
        for orth, found, tag, *_rest in _generator().generate(lemma):
            if found.split(":", 1)[0] == lemma and tag.startswith("subst:sg:gen"):
                forms.setdefault(orth, number)
    for orth, number in list(forms.items()):
        forms.setdefault(fold(orth), number)
    return forms


@lru_cache(maxsize=1)
def _folded_month_forms() -> dict[str, int]:
    forms: dict[str, int] = {}
    for number, lemma in enumerate(MONTH_LEMMAS, start=1):
        for orth, found, _tag, *_rest in _generator().generate(lemma):
            if found.split(":", 1)[0] == lemma:
                forms.setdefault(fold(orth), number)
    return forms


def month_number(word: str) -> int | None:
    """The month (1-12) that ``word`` names in any form (``czerwca``, ``Maj``, ``wrzesnia``),
    else ``None`` (``mają``, ``majątek``, ``Czerwony``). A word the dictionary does not know
    counts when it is a month's form written without Polish letters."""
    known = lemmas(word) or lemmas(word.lower())
    if known:
        return next((MONTH_LEMMAS.index(lemma) + 1 for lemma in known if lemma in MONTH_LEMMAS), None)
    return _folded_month_forms().get(fold(word))


def _head_lemmas(heads: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    """Each head's words as lemmas (the words' own lemma, lower-cased) -> the head's nominative."""
    out: dict[tuple[str, ...], str] = {}
    for head in heads:
        out[tuple(lemmas(w)[0] if lemmas(w) else w.lower() for w in head.split())] = head
    return out


@lru_cache(maxsize=1)
def _heads() -> dict[str, dict[tuple[str, ...], str]]:
    return {
        "org": _head_lemmas(ORGANISATION_HEADS),
        "unit": _head_lemmas(UNIT_HEADS),
        "office": _head_lemmas(OFFICE_HEADS),
    }


def _is_name_word(word: str) -> bool:
    """Capitalised as a name's word is (``Fundacji``), not shouted (``FUNDACJI``)."""
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())


def name_head(words: list[str], kinds: tuple[str, ...] = ("org", "unit")) -> tuple[str, str, int] | None:
    """The head that ``words`` start with, in any case form: ``(kind, nominative, word count)``
    (``["Wydziałem", "Polityki"]`` -> ``("unit", "Wydział", 1)``); ``None`` when they start with none."""
    heads = _heads()
    for kind in kinds:
        for lemma_seq, nominative in heads[kind].items():
            n = len(lemma_seq)
            if len(words) < n or not all(_is_name_word(w) for w in words[:n]):
                continue
            if all(lemma in lemmas(w) for lemma, w in zip(lemma_seq, words[:n])):
                return kind, nominative, n
    return None


def is_name_head(word: str, kinds: tuple[str, ...] = ("org", "unit")) -> bool:
    """True when ``word`` can start a name of one of ``kinds`` (its first word, any case form)."""
    if not _is_name_word(word):
        return False
    found = lemmas(word)
    return any(seq[0] in found for kind in kinds for seq in _heads()[kind])

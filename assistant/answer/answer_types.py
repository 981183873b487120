"""Whether a sentence holds the kind of answer a question asks for: an amount, a count, a date,
an hour, a person or an organisation, an address, a place.

Dates, units and months are matched on Morfeusz lemmas, so "mają" (they have) is no month and
"lokalne" (local) no premises; a number that identifies an act ("Zarządzenie Nr 2638/2014"), a
date, an hour or a house number counts nothing.
"""

from __future__ import annotations

import re

from assistant.question.analysis import (
    ADDRESS,
    AGENT,
    AMOUNT,
    DATE,
    NUMBER,
    PERSON,
    PLACE,
    TIME,
    QuestionInfo,
)
from indexer.text import analyzer, language

# --------------------------------------------------------------------------------------
# Answer types found in a sentence
# --------------------------------------------------------------------------------------

# Language data of the answer types (matched on Morfeusz lemmas; folded forms only for words the
# dictionary does not know, as "wrzesnia" typed without Polish letters).
MONTH_LEMMAS = frozenset(language.MONTH_LEMMAS)
_ENGLISH_MONTHS = frozenset("january february march april may june july august september october november december".split())
PLACE_LEMMAS = frozenset({"sala", "budynek", "siedziba", "lokal", "pomieszczenie", "portal", "gmach", "biuro"})
# a number after these is an identifier or a reference ("Zarządzenie Nr 2638/2014", "§ 5",
# "art. 5a ust. 1 pkt 3"), not a count
_REFERENCE = re.compile(
    r"(?:\b(?:nr|numer|no|art|ust|pkt|poz|par|lit)\.?|§|№)\s*[\dIVXLC]+[\w/.\-]*|\b[\dIVXLC]+(?:/[\w.]+)+",
    re.I,
)


def is_month(word: str) -> bool:
    """A month's name in any form ("czerwca", "maju", "wrzesnia"), not "mają" or "Czerwony"."""
    lemmas = analyzer.lemmas(word)
    if lemmas:
        return bool(set(lemmas) & MONTH_LEMMAS) or word.lower() in _ENGLISH_MONTHS
    folded = analyzer.fold(word)
    return language.month_number(word) is not None or folded in _ENGLISH_MONTHS


def has_month(text: str) -> bool:
    return any(is_month(w) for w in re.findall(r"[^\W\d_]+", text))


def has_place_word(text: str) -> bool:
    """A room, building, seat or web address ("w sali", "siedziba", "www."), not "lokalne"."""
    if re.search(r"www\.|https?://|\w+\.pl\b|stron\w+\s+internet\w+", text, re.I):
        return True
    return bool(analyzer.text_lemmas(text) & PLACE_LEMMAS)


_WEEKDAYS = re.compile(r"\b(poniedzia\w+|wtor\w+|środ\w+|srod\w+|czwart\w+|piąt\w+|piat\w+|sobot\w+|niedziel\w+)\b", re.I)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](19|20)\d{2}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b")
YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)")
_TIME = re.compile(r"\b([01]?\d|2[0-3])[.:][0-5]\d\b|\bgodz\.?\s*\d", re.I)
_CURRENCY = re.compile(r"(\d[\d\s.,]*\s*(zł|zl|złotych|zlotych|złote|pln|tys\.?|mln|mld|euro|eur|€|groszy)\b)|\b(zł|pln)\s*\d", re.I)
_STREET = re.compile(r"\b(ul|al|pl|os)\.\s*\w|\bulic\w+\s+\w|\bosiedl\w+\s+\w", re.I)
ACRONYM = re.compile(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]{2,6}\b")
GENERIC_ACRONYMS = frozenset({"NGO", "NGOS", "RPW", "SWOT", "WPW", "II", "III", "IV", "VI", "XX", "XXI", "PDF", "URL"})
_ORG_HEADS = frozenset(
    "fundacja stowarzyszenie towarzystwo wydział referat biuro urząd ośrodek centrum rada komisja zespół"
    " instytut zarząd związek klub federacja ministerstwo spółdzielnia fundusz ambasada forum akademia"
    " uniwersytet szkoła dom pełnomocnik koordynator dyrekcja".split()
)
_PERSON_TITLE = re.compile(r"\b(p\.|pan|pani|dyr\.|prezydent\w*|kierownik\w*)\s+([A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)")


def _is_first_name(word: str) -> bool:
    return word[:1].isupper() and any("imię" in names for _l, _t, names in analyzer.analyses(word))


def _is_surname_like(word: str) -> bool:
    if not word[:1].isupper():
        return False
    readings = analyzer.analyses(word.split("-")[0])
    return any(tag == "ign" or "nazwisko" in names for _l, tag, names in readings)


def _is_numeral(word: str) -> bool:
    return any(tag.startswith("num") for _l, tag, _n in analyzer.analyses(word.lower()))


def people_in(text: str) -> list[str]:
    """Person names in ``text``: a first name followed by a surname, or "p./pan/dyr. Surname"."""
    words = re.findall(r"[^\W\d_][\w-]*", text)
    out = [f"{a} {b}" for a, b in zip(words, words[1:]) if _is_first_name(a) and _is_surname_like(b)]
    out += [m.group(2) for m in _PERSON_TITLE.finditer(text) if _is_surname_like(m.group(2))]
    return out


def organisations_in(text: str) -> list[str]:
    """Organisation names in ``text``: "Fundacja X", "Wydział X", acronyms such as MOPS."""
    words = re.findall(r"[^\W_][\w-]*", text)
    out: list[str] = []
    for i, word in enumerate(words[:-1]):
        if word[:1].isupper() and set(analyzer.lemmas(word)) & _ORG_HEADS:
            tail = []
            for nxt in words[i + 1 : i + 6]:
                if nxt[:1].isupper() or nxt.lower() in ("ds", "do", "i", "z", "na", "rzecz", "spraw"):
                    tail.append(nxt)
                else:
                    break
            if any(t[:1].isupper() for t in tail):
                out.append(" ".join([word, *tail]))
    out += [a for a in ACRONYM.findall(text) if a.upper() not in GENERIC_ACRONYMS]
    return out


_ROLE_ABBREVIATIONS = {"dyr": "dyrektor", "kier": "kierownik", "przew": "przewodniczący", "pełn": "pełnomocnik"}


def _near_role(sentence: str, person: str, roles: frozenset[str], window: int = 8) -> bool:
    """True when a word naming one of ``roles`` stands within ``window`` words of ``person``."""
    words = analyzer.words(sentence)
    first = person.split()[0]
    at = [i for i, w in enumerate(words) if w == first]
    for i, word in enumerate(words):
        lemmas = set(analyzer.lemmas(word)) | {_ROLE_ABBREVIATIONS.get(word.lower(), "")}
        if lemmas & roles and any(abs(i - j) <= window for j in at):
            return True
    return False


_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_][\w-]*")
Span = tuple[int, int, float]  # where in the sentence a typed answer stands, and how strong it is


def _numbers(sentence: str, info: QuestionInfo) -> list[tuple[int, re.Match[str]]]:
    """Numbers in ``sentence`` that could answer (not the question's own, not list markers,
    not parts of a date, an hour, a street address or an act's number), with their token index."""
    matches = list(_TOKEN.finditer(sentence))
    tokens = [m.group(0) for m in matches]
    # an act's number or a legal reference, and a sum of money, are not counts
    references = [m.span() for m in _REFERENCE.finditer(sentence)] + [m.span() for m in _CURRENCY.finditer(sentence)]
    asked = set(info.numerals)
    out = []
    for i, m in enumerate(matches):
        tok = m.group(0)
        if tok[0].isdigit():
            if tok in asked or any(part in asked for part in re.split(r"[.,]", tok)):
                continue
            if _dates_or_places(tokens, i) or any(a <= m.start() < b for a, b in references):
                continue
            out.append((i, m))
        elif _is_numeral(tok) and tok.lower() not in ("jeden", "jedna", "jedno"):
            out.append((i, m))
    return out


_LABELYEAR = re.compile(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]{2,6}\s+(19|20)\d\d$")
_CLOCK = re.compile(r"([01]?\d|2[0-3])[.:][0-5]\d")
_STREET_WORDS = frozenset({"ul", "al", "pl", "os", "ulica", "ulicy", "aleja", "alei"})


def _dates_or_places(tokens: list[str], i: int) -> bool:
    """True when number ``tokens[i]`` is part of a date ("24 czerwca 2025", "27.07.2011",
    "2011 r.", "na rok 2026", "RPW 2026"), an hour ("17.00") or a house number ("ul. Dekerta
    24"): it counts nothing."""
    near = tokens[max(0, i - 1) : i] + tokens[i + 1 : i + 2]
    if any(not t[0].isdigit() and is_month(t) for t in near) or _CLOCK.fullmatch(tokens[i]):
        return True
    following = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    preceding = tokens[i - 1] if i > 0 else ""
    if YEAR.fullmatch(tokens[i]) and (
        following in ("r", "rok", "roku", "year")
        or preceding.lower() in ("rok", "roku", "lata", "latach", "year")
        or YEAR.fullmatch(preceding)  # "2026-2030"
        or (preceding.isupper() and len(preceding) >= 2)  # "RPW 2026": a programme's year
    ):
        return True
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", tokens[i]) and YEAR.fullmatch(following):
        return True  # "27.07.2011"
    return any(t.lower() in _STREET_WORDS for t in tokens[max(0, i - 2) : i])


def answer_type_found(sentence: str, info: QuestionInfo) -> float:
    """1.0 when ``sentence`` holds the kind of answer the question asks for, 0.5 for a weaker
    match (a number without the asked unit), 0.0 otherwise; 1.0 when no type is asked."""
    if info.answer_type is None:
        return 1.0
    return max((strength for _s, _e, strength in type_spans(sentence, info)), default=0.0)


def type_spans(sentence: str, info: QuestionInfo) -> list[Span]:
    """Where ``sentence`` holds the kind of answer asked for: (start, end, strength) of each
    match, strength 1.0, or 0.3-0.5 for a weaker one (a count without the asked unit, a list
    item's own number); empty when none (or when the question asks for no type)."""
    kind = info.answer_type
    if kind is None:
        return []
    if kind == AMOUNT:
        return [(m.start(), m.end(), 1.0) for m in _CURRENCY.finditer(sentence)]
    if kind == NUMBER:
        return _count_spans(sentence, info)
    if kind == TIME:
        return [(m.start(), m.end(), 1.0) for m in _TIME.finditer(sentence)]
    if kind == DATE:
        return _date_spans(sentence, info)
    asked = set(analyzer.terms(info.text))
    if kind in (PERSON, AGENT):
        people = [p for p in people_in(sentence) if not set(analyzer.terms(p)) <= asked]
        if info.role_terms:
            # a name counts only next to the role asked about ("dyr. Józefa Grodecka")
            people = [p for p in people if _near_role(sentence, p, info.role_terms)]
        names = people if people or kind == PERSON or info.role_terms else [o for o in organisations_in(sentence) if not set(analyzer.terms(o)) <= asked]
        return [_name_span(sentence, n) for n in names]
    if kind == ADDRESS:
        return [(m.start(), m.end(), 1.0) for m in _STREET.finditer(sentence)]
    if kind == PLACE:
        spans = [(m.start(), m.end(), 1.0) for m in _STREET.finditer(sentence)]
        spans += [(m.start(), m.end(), 1.0) for m in _TOKEN.finditer(sentence) if has_place_word(m.group(0))]
        spans += [
            (m.start(), m.end(), 1.0)
            for m in re.finditer(r"(?<=\bw\s)[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+(?:\s[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)?", sentence)
            if not set(analyzer.terms(m.group(0))) <= asked
        ]
        if re.search(r"www\.|https?://|\w+\.pl\b", sentence, re.I) and not spans:
            spans.append((0, len(sentence), 1.0))
        return spans
    return [(0, len(sentence), 1.0)]


def _day_start(sentence: str, month_at: int) -> int:
    """Where the date whose month stands at ``month_at`` begins ("24 kwietnia": at "24")."""
    found = re.search(r"\d{1,2}\s*$", sentence[:month_at])
    return found.start() if found else month_at


def _name_span(sentence: str, name: str) -> Span:
    """Where ``name`` (words joined by single spaces) stands in ``sentence``, whatever the spacing."""
    found = re.search(r"\s+".join(map(re.escape, name.split())), sentence)
    return (found.start(), found.end(), 1.0) if found else (0, len(sentence), 1.0)


def _count_spans(sentence: str, info: QuestionInfo) -> list[Span]:
    numbers = _numbers(sentence, info)
    marker = re.match(r"\s*(\d+)[.)]\s", sentence)
    if marker and [m.group(0) for _i, m in numbers] == [marker.group(1)]:
        return [(marker.start(1), marker.end(1), 0.3)]  # only a list item's number: how many items, at best
    if not numbers or not info.unit_terms:
        return [(m.start(), m.end(), 1.0) for _i, m in numbers]
    tokens = [m.group(0) for m in _TOKEN.finditer(sentence)]
    unit_at = [i for i, tok in enumerate(tokens) if set(analyzer.word_terms(tok)) & info.unit_terms]
    # the unit just after the number ("19 osób") or just before it in a list ("liczba ofert: 1 410")
    with_unit = [(m.start(), m.end(), 1.0) for i, m in numbers if any(0 < u - i <= 3 or 0 < i - u <= 2 for u in unit_at)]
    if with_unit:
        return with_unit
    # "Liczba mieszkań … to 20000": the unit named by "liczba" with a number in the sentence
    strength = 1.0 if any(i > 0 and tokens[i - 1].lower() == "liczba" for i in unit_at) else 0.3
    return [(m.start(), m.end(), strength) for _i, m in numbers]


# a date that follows a cited act ("ustawy z dnia 24 kwietnia 2003 r.", "Zarządzenia Nr 188/2025
# … z dnia 21 stycznia 2025 r.") dates the act, not what the question asks about
_ACT_REACH = 60  # characters back from "z dnia" to the act's name
_DURATION = re.compile(r"\b\d+\s+(?:dni|dnia|tygodni|tygodnie|tydzień|miesięcy|miesiące|miesiąca|lat|lata)\b", re.I)


def _cites_act(sentence: str, at: int) -> bool:
    """True when the date at ``at`` follows "z dnia" after an act's name in the same clause."""
    before = sentence[max(0, at - _ACT_REACH) : at]
    if not re.search(r"\bz\s+dnia\s*$|\bz\s+dnia\s+\d{1,2}\s*$", before, re.I):
        return False
    return bool(analyzer.text_lemmas(before) & language.CITED_ACT_LEMMAS)


def _date_spans(sentence: str, info: QuestionInfo) -> list[Span]:
    spans = [(m.start(), m.end(), 1.0) for m in _TOKEN.finditer(sentence) if not m.group(0)[0].isdigit() and is_month(m.group(0))]
    spans += [(m.start(), m.end(), 1.0) for m in _NUMERIC_DATE.finditer(sentence)]
    spans = [span for span in spans if not _cites_act(sentence, _day_start(sentence, span[0]))]
    spans += [(m.start(), m.end(), 1.0) for m in _WEEKDAYS.finditer(sentence)]
    spans += [(m.start(), m.end(), 1.0) for m in _DURATION.finditer(sentence)]  # "w ciągu 14 dni"
    if spans:
        return spans
    if any(_cites_act(sentence, m.start()) for m in _NUMERIC_DATE.finditer(sentence)) or re.search(r"\bz\s+dnia\b", sentence):
        return []  # only the dates of cited acts
    # a year in a programme's label ("projekt RPW 2026") names the programme, dates nothing
    spans = [(m.start(), m.end(), 1.0) for m in YEAR.finditer(sentence) if m.group(1) not in info.numerals and not _LABELYEAR.search(sentence[: m.end()])]
    return spans + [(m.start(), m.end(), 1.0) for m in re.finditer(r"\bbr\.", sentence)]

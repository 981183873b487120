"""What a question asks for: the expected answer type, whether it wants a list, its numerals.

The answer type is read from the question word (``ile``, ``kiedy``, ``kto``, ``gdzie``…, and the
English and Ukrainian equivalents). Abstention uses it: a "how much" question is answered only
by a sentence that holds an amount, a "who" question only by one that names someone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from indexer.text import analyzer

# Answer types, from the strictest to the loosest.
AMOUNT = "amount"  # a sum of money
NUMBER = "number"  # a count or quantity
TIME = "time"  # an hour or opening hours
DATE = "date"  # a day, month, year or period
PERSON = "person"  # a person's name
AGENT = "agent"  # a person or an organisation
ADDRESS = "address"  # a street address
PLACE = "place"  # a room, a place, a web page

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        AMOUNT,
        re.compile(
            r"\b(ile\s+(pieniędzy|pieniedzy|złotych|zlotych|środków|srodkow|kosztuje|kosztował\w*|kosztowal\w*|wynosi\w*\s+(stawka|kwota|budżet|budzet|czynsz|opłata|oplata|koszt))"
            r"|jak\w*\s+((był|była|było|jest|będzie|byl|byla|bylo)\s+)?(łączn\w+\s+|laczn\w+\s+)?(kwot\w+|budżet\w*|budzet\w*|koszt\w*|stawk\w+|wysokoś\w+|wysokosc\w*)"
            r"|how\s+much\s+(money|did|does|do|is|was|will)|how\s+much\b.*\b(cost|spend|spent|budget|fund)"
            r"|what\s+(was|is)\s+the\s+(total\s+)?(budget|amount|cost|price)"
            r"|скільки\s+(грошей|коштів|коштує|коштувал\w*)|яка\s+сума|який\s+бюджет)\b",
            re.I,
        ),
    ),
    (
        TIME,
        re.compile(
            r"\b(o\s+której\s+godzin\w*|o\s+ktorej\s+godzin\w*|w\s+jakich\s+godzinach|godzin\w*\s+otwarcia"
            r"|what\s+time|opening\s+hours|what\s+hours|о\s+котрій|години\s+роботи)\b",
            re.I,
        ),
    ),
    (NUMBER, re.compile(r"\b(ile|ilu|ilość|ilosc|liczba|how\s+many|скільки)\b", re.I)),
    (
        DATE,
        re.compile(
            r"\b(kiedy|którego\s+dnia|ktorego\s+dnia|w\s+którym\s+roku|w\s+ktorym\s+roku|od\s+kiedy|do\s+kiedy"
            r"|jak\w*\s+(jest\s+|był\s+|byl\s+)?termin\w*|w\s+jakim\s+terminie|na\s+jakie\s+lata|w\s+jakich\s+latach"
            r"|dat[aęy]|^when|when\s+(did|does|do|was|is|were|are|will)|what\s+date|what\s+year|коли|якого\s+числа|в\s+якому\s+році)\b",
            re.I,
        ),
    ),
    (
        PERSON,
        re.compile(
            r"\b(jak\s+(się\s+)?nazywa\s+się|jak\s+(się\s+)?nazywa|imię\s+i\s+nazwisko|imie\s+i\s+nazwisko|który\s+prezydent|ktory\s+prezydent"
            r"|what\s+is\s+the\s+name\s+of\s+the\s+(director|head|mayor|chair|president)|як\s+звати|як\s+прізвище)\b",
            re.I,
        ),
    ),
    (
        AGENT,
        re.compile(
            r"\b(kto|kogo|komu|któr\w+\s+(fundacj\w+|organizacj\w+|instytucj\w+|stowarzyszeni\w+|wydział\w*|jednostk\w+)"
            r"|do\s+jakiej\s+instytucji|jak\w+\s+(instytucj\w+|fundacj\w+|organizacj\w+)\s+(zgłosił\w*|wystąpił\w*|zaproponował\w*)"
            r"|who|whom|which\s+(foundation|organi[sz]ation|institution|department|ngo)"
            r"|хто|кого|яка\s+(фундація|організація|установа))\b",
            re.I,
        ),
    ),
    # "gdzie jest siedziba…", "where is the office of…": the seat of an institution is an address
    (
        ADDRESS,
        re.compile(
            r"\b(pod\s+jakim\s+adresem|adres\w*|address|адрес\w*|gdzie\s+(?:\w+\s+){0,3}siedzib\w*"
            r"|where\s+(?:\w+\s+){0,3}(?:headquarters|head\s+office|seat)|де\s+(?:\w+\s+){0,3}офіс\w*)\b",
            re.I,
        ),
    ),
    (
        PLACE,
        re.compile(
            r"\b(gdzie|dokąd|dokad|w\s+jakim\s+miejscu|where|де|куди)\b",
            re.I,
        ),
    ),
]

# Roles whose holder a question may ask to be named ("Jak nazywa się dyrektor…").
_PERSON_ROLES = frozenset(
    "dyrektor dyrektorka pełnomocnik pełnomocniczka prezydent wiceprezydent burmistrz przewodniczący"
    " przewodnicząca kierownik kierowniczka prezes rzecznik rzeczniczka koordynator koordynatorka"
    " naczelnik sekretarz skarbnik radny radna moderator moderatorka autor autorka".split()
)

_LIST_VERBS = re.compile(r"\b(wymień|wymien|wylicz|list|name\s+the|перелічіть|назвіть)\b", re.I)
_LIST_EN = re.compile(
    r"\b(what|which)\s+(\w+\s+){0,2}(proposals|postulates|demands|actions|measures|topics|organi[sz]ations|institutions|initiatives|forms|areas)\b", re.I
)
_LIST_UK = re.compile(r"\b(які|яких)\b", re.I)
_INTERROGATIVE_LEMMAS = ("jaki", "który")

_ROMAN = re.compile(r"(?<![\w.])(?:[IVX]{1,4})(?![\w.])")


@dataclass(frozen=True)
class QuestionInfo:
    """The parts of a question that decide how to answer it and when to abstain."""

    text: str
    answer_type: str | None
    is_list: bool
    lang: str = "pl"
    unit_terms: frozenset[str] = field(default_factory=frozenset)  # "ile osób" -> terms of "osoba"
    numerals: tuple[str, ...] = ()  # years, numbers and Roman numerals the evidence must contain
    excluded_terms: frozenset[str] = field(default_factory=frozenset)  # question words, not topic
    role_terms: frozenset[str] = field(default_factory=frozenset)  # "dyrektor" in "Jak nazywa się dyrektor…"


@lru_cache(maxsize=2048)
def analyse_question(question: str) -> QuestionInfo:
    """Answer type, list-ness, unit and numerals of ``question`` (Polish, English or Ukrainian)."""
    text = " ".join(question.split())
    answer_type = None
    for name, pattern in _PATTERNS:
        if pattern.search(text):
            answer_type = name
            break
    if answer_type == AGENT and _asks_for_named_role(text):
        answer_type = PERSON
    unit_terms: frozenset[str] = frozenset()
    if answer_type in (NUMBER, AMOUNT):
        unit_terms = _unit_after_quantifier(text)
    lang = question_language(text)
    numerals = re.findall(r"\d+", text) + (_roman_numerals(text) if lang == "pl" else [])
    return QuestionInfo(
        text=text,
        answer_type=answer_type,
        is_list=answer_type in (None, AGENT) and is_list_question(text),
        lang=lang,
        unit_terms=unit_terms,
        numerals=tuple(dict.fromkeys(numerals)),
        excluded_terms=frozenset(_question_word_terms(text)),
        role_terms=_head_role(text) if answer_type == PERSON else frozenset(),
    )


def question_language(text: str) -> str:
    """ "uk" for Cyrillic, "en" for English function words, else "pl"."""
    if re.search(r"[а-яіїєґ]", text, re.I):
        return "uk"
    english = re.findall(
        r"\b(the|an|of|and|for|with|what|which|who|whom|how|did|does|is|are|was|were|when|where|why"
        r"|under|through|from|that|this|have|has|any|into|about|there|their|my|your)\b",
        text,
        re.I,
    )
    if len(english) >= 2:
        return "en"
    words = analyzer.words(text)
    unknown = sum(1 for w in words if not analyzer.is_known_word(w) and not analyzer.is_known_word(w.lower()))
    return "en" if english and words and unknown / len(words) >= 0.4 else "pl"


def is_list_question(text: str) -> bool:
    """True for questions that want every matching item ("Które postulaty…", "Jakie działania…")."""
    if _LIST_VERBS.search(text) or _LIST_EN.search(text):
        return True
    words = analyzer.words(text)
    for i, word in enumerate(words[:-1]):
        pronoun = _forms(word, ("adj",), _INTERROGATIVE_LEMMAS)
        if not pronoun:
            continue
        for follower in words[i + 1 : i + 4]:
            noun = _forms(follower, ("subst", "depr", "ger"))
            if noun:
                agreeing = {num for num, case in pronoun & noun}
                return agreeing == {"pl"}
        return False
    return bool(_LIST_UK.search(text) and not re.search(r"\b(який|яка|яке)\b", text, re.I))


def _asks_for_named_role(text: str) -> bool:
    """ "Jak nazywa się dyrektor…" / "Kto jest pełnomocnikiem…": a person's name is wanted."""
    if not re.search(r"\b(nazywa|nazwisko|name)\b", text, re.I):
        return False
    return any(set(_morph_lemmas(w)) & _PERSON_ROLES for w in analyzer.words(text))


# Nouns that count the same things in this domain ("ile organizacji" is answered by "114 NGO").
UNIT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "organizacja": ("ngo", "ngos", "organizacja"),
    "fundacja": ("ngo", "ngos", "organizacja"),
    "stowarzyszenie": ("ngo", "ngos", "organizacja"),
    "osoba": ("osoba", "uczestnik", "przedstawiciel"),
    "przedstawiciel": ("osoba", "uczestnik", "przedstawiciel"),
    "uczestnik": ("osoba", "uczestnik", "przedstawiciel"),
    "złoty": ("zł", "zl", "pln"),
}


def _head_role(text: str) -> frozenset[str]:
    """The first role noun of the question: "Pełnomocnik" in "Pełnomocnik Prezydenta…"."""
    for word in analyzer.words(text):
        roles = [lemma for lemma in _morph_lemmas(word) if lemma in _PERSON_ROLES]
        if roles:
            return frozenset(roles)
    return frozenset()


def _unit_after_quantifier(text: str) -> frozenset[str]:
    """Terms of the nouns counted by ``ile``/``ilu``/``how many`` ("ile osób" -> osoba), for
    every quantifier of the question ("ile osób …, a ile lokali")."""
    out: set[str] = set()
    for match in re.finditer(r"\b(ile|ilu|how\s+many|скільки)\s+(\w+)(?:\s+(\w+))?", text, re.I):
        for word in (match.group(2), match.group(3)):
            if word and _noun_numbers(word):
                out.update(analyzer.word_terms(word))
                for lemma in _morph_lemmas(word):
                    for synonym in UNIT_SYNONYMS.get(lemma, ()):
                        out.update(analyzer.word_terms(synonym))
                break
    return frozenset(out)


def _roman_numerals(text: str) -> list[str]:
    """Roman numerals used as ordinals ("I spotkanie"), not a sentence-initial capital ``I``."""
    out = []
    for match in _ROMAN.finditer(text):
        token = match.group(0)
        if token == "I" and (match.start() == 0 or text[: match.start()].rstrip().endswith((".", "?", "!"))):
            continue
        if token == "I" and not re.match(r"\s+\w", text[match.end() :]):
            continue
        out.append(token)
    return out


_QUESTION_WORDS = frozenset(
    """
    ile ilu kiedy kto kogo komu gdzie dokąd jaki jaka jakie jakich jakim jakimi który która które
    którego której których czemu dlaczego jak czy co wymień wymienić zostać być mieć móc nazywać nazwać
    what which who whom when where how why much many does did is are was were the a an
    що які яка який яке коли хто де скільки чи як
    """.split()
)


def _question_word_terms(text: str) -> set[str]:
    out: set[str] = set()
    for word in analyzer.words(text):
        if word.lower() in _QUESTION_WORDS or set(_morph_lemmas(word)) & _QUESTION_WORDS:
            out.update(analyzer.word_terms(word))
    return out


@lru_cache(maxsize=50_000)
def _morph_lemmas(word: str) -> tuple[str, ...]:
    return analyzer.lemmas(word) or analyzer.lemmas(word.lower())


@lru_cache(maxsize=50_000)
def _forms(word: str, pos: tuple[str, ...], lemmas: tuple[str, ...] = ()) -> frozenset[tuple[str, str]]:
    """(number, case) pairs of ``word``'s readings with a part of speech in ``pos``
    (and, when given, one of ``lemmas``): how agreement between words is checked."""
    found: set[tuple[str, str]] = set()
    for _s, _e, (_orth, lemma, tag, _name, _qual) in analyzer._morfeusz().analyse(word.lower()):
        parts = tag.split(":")
        if parts[0] not in pos or len(parts) < 3:
            continue
        if lemmas and lemma.split(":", 1)[0].lower() not in lemmas:
            continue
        for number in parts[1].split("."):
            for case in parts[2].split("."):
                found.add((number, case))
    return frozenset(found)


def _noun_numbers(word: str) -> frozenset[str]:
    """Grammatical numbers ("sg", "pl") of ``word``'s noun readings; empty if it is no noun."""
    return frozenset(n for n, _c in _forms(word, ("subst", "depr", "ger")))


# Years that date a question

_PERIOD_WORDS = frozenset({"na", "lata", "for", "years", "на", "роки"})


def event_years(question: str) -> list[str]:
    """Years that date what the question asks about ("w marcu 2026", "z 2011 r."), not the
    period a programme covers ("programu współpracy na 2026 rok", "na lata 2026-2030", "for
    2026", "на 2026 рік")."""
    out = []
    for match in re.finditer(r"(?<!\d)((?:19|20)\d\d)(?!\d)", question):
        before = question[: match.start()].lower().split()[-2:]
        if set(before) & _PERIOD_WORDS:
            continue
        out.append(match.group(1))
    return out


# the words just before "z 2011 r." / "za 2019 rok": what the year dates ("programu współpracy")
_DATED = re.compile(r"((?:[^\W\d_]+\s+){1,2})(?:z|ze|za|w)\s+(?:roku\s+)?(?:19|20)\d\d\b", re.I)


def dated_words(question: str) -> str:
    """The one or two words before each "z/za/w <year>" of the question ("program współpracy z
    2011", "według notatki z 2011"): the document the year dates, by the kind it names."""
    return " ".join(m.group(1) for m in _DATED.finditer(question))


def without_event_years(question: str) -> str:
    """The question without the years that date what it asks about ("Jak w 2011 i w 2025 roku
    mówiono o …" → "Jak mówiono o …"): they name documents, not what a passage says."""
    years = set(event_years(question))
    if not years:
        return question
    year = rf"(?<!\d)(?:{'|'.join(sorted(years))})(?!\d)"
    phrase = rf"\b(?:w|z|ze|za|in|from|у|в|за)?\s*{year}(?:\s*(?:roku|rok|r\.|року|році|рік|р\.))?"
    marked = re.sub(phrase, "\x00", question, flags=re.I)
    marked = re.sub(r"\x00\s+(?:i|oraz|a|and|і|та)\s+\x00", "\x00", marked, flags=re.I)
    stripped = re.sub(r"\s*\x00\s*", " ", marked)
    stripped = re.sub(r"\s+([?.,!])", r"\1", " ".join(stripped.split()))
    return stripped if analyzer.words(stripped) else question


def period_years(question: str) -> list[str]:
    """Years of the period a programme covers ("programu współpracy na 2024 rok", "na lata
    2026-2030"): they name the document asked about, by its title."""
    events = set(event_years(question))
    return [y for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", question) if y not in events]


def document_years(question: str) -> list[str]:
    """Every year that picks the documents of a question: the dated events and the periods."""
    return list(dict.fromkeys(event_years(question) + period_years(question)))


_TITLE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def document_of_year(date: str | None, title: str | None, year: str, period: bool = False) -> bool:
    """A document is of ``year`` when dated that year or the next (a report on 2019 is dated
    2020) or when its title names the year. For the period a programme covers (``period``:
    "na rok 2024") a title naming years decides alone (the 2025 programme, adopted in 2024, is
    no programme for 2024); a title naming none: dated that year or the one before."""
    named = _TITLE_YEAR.findall(title or "")
    spans = re.findall(r"(?<!\d)((?:19|20)\d\d)\s*[-–]\s*((?:19|20)\d\d)(?!\d)", title or "")
    in_title = year in named or any(int(a) <= int(year) <= int(b) for a, b in spans)
    if period:
        return in_title if named else (date or "")[:4] in (year, str(int(year) - 1))
    return in_title or (date or "")[:4] in (year, str(int(year) + 1))


def of_year(hit: Any, year: str) -> bool:
    """The passage's document is of ``year`` (:func:`document_of_year`)."""
    return document_of_year(hit.date, hit.title, year)

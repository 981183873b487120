"""How well retrieved sentences answer a question: the signals behind abstention.

Dense similarity alone does not tell "the documents mention this" from "the documents answer
this" (a question about the Forum's budget is close to every sentence about the Forum). So the
evidence is also judged the way a reader would: does a sentence hold the kind of answer asked
for (an amount, a date, a name, an address), does it contain the question's rare words, are
the question's years and numbers in the documents at all. A small logistic model, fitted on
the evaluation questions (``python -m eval.answers fit``), turns the signals into a probability
that the question is answerable.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Sequence

import numpy as np

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
    event_years,
    of_year,
)
from indexer.text import analyzer
from indexer.documents.metadata import MONTHS
from indexer.store.backends import SearchFilters, Store

# --------------------------------------------------------------------------------------
# Term statistics of the index (IDF of question words)
# --------------------------------------------------------------------------------------


@dataclass
class TermStats:
    """Document frequencies of the index's lexical terms (from the stored sparse vectors), and a
    sample of passage embeddings: the background a question's best similarity is compared to."""

    n_docs: int
    df: dict[int, int]
    background: np.ndarray | None = None

    @classmethod
    def from_store(cls, store: Store, sample: int = 2000, seed: int = 0) -> "TermStats":
        """Count, once per process, in how many passages each term occurs."""
        df: dict[int, int] = {}
        vectors: list[Sequence[float]] = []
        rng = np.random.default_rng(seed)
        n = 0
        for point in store.scroll(SearchFilters(kinds=("passage",)), with_vectors=True):
            n += 1
            if point.dense is not None:
                if len(vectors) < sample:  # reservoir sample of the passage vectors
                    vectors.append(point.dense)
                else:
                    j = int(rng.integers(0, n))
                    if j < sample:
                        vectors[j] = point.dense
            if point.sparse is None:
                continue
            for idx in set(point.sparse.indices):
                df[idx] = df.get(idx, 0) + 1
        background = np.asarray(vectors, dtype=np.float32) if vectors else None
        return cls(n, df, background)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> "TermStats":
        df: dict[int, int] = {}
        n = 0
        for text in texts:
            n += 1
            for idx in {analyzer.term_id(t) for t in analyzer.terms(text)}:
                df[idx] = df.get(idx, 0) + 1
        return cls(n, df)

    def word_df(self, word: str) -> int:
        """Passages containing any form of ``word`` (its commonest term counts)."""
        return max((self.df.get(analyzer.term_id(t), 0) for t in analyzer.word_terms(word)), default=0)

    def idf(self, df: int) -> float:
        n = max(self.n_docs, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


# --------------------------------------------------------------------------------------
# Answer types found in a sentence
# --------------------------------------------------------------------------------------

_MONTHS = re.compile(
    r"\b(stycz\w*|lut\w*|marc\w*|marzec|kwie\w*|maj\w*|czerw\w*|lip\w*|sierp\w*|wrze[sś]\w*|pa[zź]dziern\w*"
    r"|listopad\w*|grud\w*|january|february|march|april|may|june|july|august|september|october|november|december)\b",
    re.I,
)
_WEEKDAYS = re.compile(r"\b(poniedzia\w+|wtor\w+|środ\w+|srod\w+|czwart\w+|piąt\w+|piat\w+|sobot\w+|niedziel\w+)\b", re.I)
_NUMERIC_DATE = re.compile(r"\b\d{1,2}[./-]\d{1,2}[./-](19|20)\d{2}\b|\b(19|20)\d{2}-\d{2}-\d{2}\b")
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d{2})(?!\d)")
_TIME = re.compile(r"\b([01]?\d|2[0-3])[.:][0-5]\d\b|\bgodz\.?\s*\d", re.I)
_CURRENCY = re.compile(r"(\d[\d\s.,]*\s*(zł|zl|złotych|zlotych|złote|pln|tys\.?|mln|mld|euro|eur|€|groszy)\b)|\b(zł|pln)\s*\d", re.I)
_STREET = re.compile(r"\b(ul|al|pl|os)\.\s*\w|\bulic\w+\s+\w|\bosiedl\w+\s+\w", re.I)
_PLACE_WORDS = re.compile(r"\b(sal[aiął]\w*|budyn\w+|siedzib\w+|lokal\w*|pomieszcz\w+|www\.|https?://|\w+\.pl\b|stron\w+\s+internet\w+|portal\w*)", re.I)
_ACRONYM = re.compile(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]{2,6}\b")
_GENERIC_ACRONYMS = frozenset({"NGO", "NGOS", "RPW", "SWOT", "WPW", "II", "III", "IV", "VI", "XX", "XXI", "PDF", "URL"})
_ORG_HEADS = frozenset(
    "fundacja stowarzyszenie towarzystwo wydział referat biuro urząd ośrodek centrum rada komisja zespół"
    " instytut zarząd związek klub federacja ministerstwo spółdzielnia fundusz ambasada forum akademia"
    " uniwersytet szkoła dom pełnomocnik koordynator dyrekcja".split()
)
_PERSON_TITLE = re.compile(r"\b(p\.|pan|pani|dyr\.|prezydent\w*|kierownik\w*)\s+([A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)")


@lru_cache(maxsize=50_000)
def _analyses(word: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(lemma, tag, name qualifiers) of every Morfeusz reading of ``word``."""
    return tuple((lemma, tag, tuple(names)) for _s, _e, (_o, lemma, tag, names, _q) in analyzer._morfeusz().analyse(word))


def _is_first_name(word: str) -> bool:
    return word[:1].isupper() and any("imię" in names for _l, _t, names in _analyses(word))


def _is_surname_like(word: str) -> bool:
    if not word[:1].isupper():
        return False
    readings = _analyses(word.split("-")[0])
    return any(tag == "ign" or "nazwisko" in names for _l, tag, names in readings)


def _is_numeral(word: str) -> bool:
    return any(tag.startswith("num") for _l, tag, _n in _analyses(word.lower()))


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
    out += [a for a in _ACRONYM.findall(text) if a.upper() not in _GENERIC_ACRONYMS]
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


def _numbers(sentence: str, info: QuestionInfo) -> list[tuple[int, str]]:
    """Numbers in ``sentence`` that could answer (not the question's own, not list markers,
    not parts of a date, an hour or a street address)."""
    tokens = re.findall(r"\d+(?:[.,]\d+)?|[^\W\d_][\w-]*", sentence)
    asked = set(info.numerals)
    out = []
    for i, tok in enumerate(tokens):
        if tok[0].isdigit():
            if tok in asked or any(part in asked for part in re.split(r"[.,]", tok)):
                continue
            if _dates_or_places(tokens, i):
                continue
            out.append((i, tok))
        elif _is_numeral(tok) and tok.lower() not in ("jeden", "jedna", "jedno"):
            out.append((i, tok))
    return out


_LABEL_YEAR = re.compile(r"\b[A-ZĄĆĘŁŃÓŚŹŻ]{2,6}\s+(19|20)\d\d$")
_CLOCK = re.compile(r"([01]?\d|2[0-3])[.:][0-5]\d")
_STREET_WORDS = frozenset({"ul", "al", "pl", "os", "ulica", "ulicy", "aleja", "alei"})


def _dates_or_places(tokens: list[str], i: int) -> bool:
    """True when number ``tokens[i]`` is part of a date ("24 czerwca 2025", "27.07.2011",
    "2011 r.", "na rok 2026", "RPW 2026"), an hour ("17.00") or a house number ("ul. Dekerta
    24"): it counts nothing."""
    near = [t.lower() for t in tokens[max(0, i - 1) : i] + tokens[i + 1 : i + 2]]
    if any(_MONTHS.fullmatch(t) for t in near) or _CLOCK.fullmatch(tokens[i]):
        return True
    following = tokens[i + 1].lower() if i + 1 < len(tokens) else ""
    preceding = tokens[i - 1] if i > 0 else ""
    if _YEAR.fullmatch(tokens[i]) and (
        following in ("r", "rok", "roku", "year")
        or preceding.lower() in ("rok", "roku", "lata", "latach", "year")
        or _YEAR.fullmatch(preceding)  # "2026-2030"
        or (preceding.isupper() and len(preceding) >= 2)  # "RPW 2026": a programme's year
    ):
        return True
    if re.fullmatch(r"\d{1,2}\.\d{1,2}", tokens[i]) and _YEAR.fullmatch(following):
        return True  # "27.07.2011"
    return any(t.lower() in _STREET_WORDS for t in tokens[max(0, i - 2) : i])


def answer_type_found(sentence: str, info: QuestionInfo) -> float:
    """1.0 when ``sentence`` holds the kind of answer the question asks for, 0.5 for a weaker
    match (a number without the asked unit), 0.0 otherwise; 1.0 when no type is asked."""
    kind = info.answer_type
    if kind is None:
        return 1.0
    if kind == AMOUNT:
        return 1.0 if _CURRENCY.search(sentence) else 0.0
    if kind == NUMBER:
        numbers = _numbers(sentence, info)
        marker = re.match(r"\s*(\d+)[.)]\s", sentence)
        if marker and [t for _i, t in numbers] == [marker.group(1)]:
            return 0.3  # only a list item's number: how many items there are, at best
        if not numbers:
            return 0.0
        if not info.unit_terms:
            return 1.0
        tokens = re.findall(r"\d+(?:[.,]\d+)?|[^\W\d_][\w-]*", sentence)
        unit_at = [i for i, tok in enumerate(tokens) if set(analyzer.word_terms(tok)) & info.unit_terms]
        for i, _tok in numbers:
            if any(0 < u - i <= 3 for u in unit_at):
                return 1.0
        # "Liczba mieszkań … to 20000": the unit named by "liczba" with a number in the sentence
        if any(i > 0 and tokens[i - 1].lower() == "liczba" for i in unit_at):
            return 1.0
        return 0.3
    if kind == TIME:
        return 1.0 if _TIME.search(sentence) else 0.0
    if kind == DATE:
        if _MONTHS.search(sentence) or _NUMERIC_DATE.search(sentence) or _WEEKDAYS.search(sentence):
            return 1.0
        # a year in a programme's label ("projekt RPW 2026") names the programme, dates nothing
        years = [
            m.group(1) for m in _YEAR.finditer(sentence)
            if m.group(1) not in info.numerals and not _LABEL_YEAR.search(sentence[: m.end()])
        ]
        if years or re.search(r"\bbr\.", sentence):
            return 1.0
        return 0.0
    asked = set(analyzer.terms(info.text))
    if kind in (PERSON, AGENT):
        people = [p for p in people_in(sentence) if not set(analyzer.terms(p)) <= asked]
        if info.role_terms:
            # a name counts only next to the role asked about ("dyr. Józefa Grodecka")
            return 1.0 if any(_near_role(sentence, p, info.role_terms) for p in people) else 0.0
        if people:
            return 1.0
        if kind == AGENT:
            orgs = [o for o in organisations_in(sentence) if not set(analyzer.terms(o)) <= asked]
            return 1.0 if orgs else 0.0
        return 0.0
    if kind == ADDRESS:
        return 1.0 if _STREET.search(sentence) else 0.0
    if kind == PLACE:
        if _STREET.search(sentence) or _PLACE_WORDS.search(sentence):
            return 1.0
        places = [
            w for w in re.findall(r"(?<=\bw\s)[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+(?:\s[A-ZĄĆĘŁŃÓŚŹŻ][\w-]+)?", sentence)
            if not set(analyzer.terms(w)) <= asked
        ]
        return 1.0 if places else 0.0
    return 1.0


# --------------------------------------------------------------------------------------
# Focus terms: the question's content words weighted by IDF
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FocusWord:
    word: str
    terms: frozenset[str]
    weight: float
    known: bool  # the index vocabulary has it


def focus_words(info: QuestionInfo, stats: TermStats) -> list[FocusWord]:
    """Content words of the question (no question words, no digits) with their IDF."""
    out: list[FocusWord] = []
    seen: set[frozenset[str]] = set()
    for word in analyzer.words(info.text):
        if word.isdigit():
            continue
        terms = frozenset(analyzer.word_terms(word)) - info.excluded_terms
        if not terms or terms in seen:
            continue
        seen.add(terms)
        df = stats.word_df(word)
        out.append(FocusWord(word, terms, stats.idf(df), df > 0))
    return out


def coverage(focus: Sequence[FocusWord], bag: set[str], known_only: bool = False) -> float:
    """IDF-weighted share of the focus words that occur in ``bag`` (a set of terms)."""
    words = [f for f in focus if f.known] if known_only else list(focus)
    total = sum(f.weight for f in words)
    if total <= 0:
        return 0.0
    return sum(f.weight for f in words if f.terms & bag) / total


# --------------------------------------------------------------------------------------
# Features and the abstention model
# --------------------------------------------------------------------------------------

# The features the abstention model is fitted on (``python -m eval.answers fit``).
MODEL_FEATURES = ("off_topic", "type_ok", "date_match")
FEATURES = ("dense", "on_topic", "foreign", "typed", "type_top", "type_ok", "identifiers", "acronyms", "years", "date_match", "vocabulary", "anchored")


@dataclass
class SentenceCandidate:
    """A sentence of a retrieved passage, scored against the question."""

    hit: Any
    start: int
    end: int
    cos: float
    terms: frozenset[str]
    type_score: float = 0.0
    coverage: float = 0.0
    window_coverage: float = 0.0
    score: float = 0.0
    speaker: str = ""  # the section heading that says who speaks or proposes, when it answers "kto"

    @property
    def text(self) -> str:
        return self.hit.text[self.start : self.end]


@dataclass
class Evidence:
    """The signals of one question and the best supporting sentence."""

    features: dict[str, float]
    support: SentenceCandidate | None
    focus: list[FocusWord] = field(default_factory=list)


def hit_terms(hit: Any) -> set[str]:
    """Terms of a passage with its title, heading and date: the context a reader sees."""
    context = " ".join([hit.title or "", " ".join(hit.heading_path or []), hit.date or "", hit.text])
    return set(analyzer.terms(context))


def _context_tokens(hits: Sequence[Any]) -> set[str]:
    tokens: set[str] = set()
    for hit in hits:
        context = " ".join([hit.title or "", " ".join(hit.heading_path or []), hit.date or "", hit.text])
        tokens.update(re.findall(r"\d+|\b[IVX]+\b", context))
        tokens.update(str(int(t)) for t in re.findall(r"\d+", context) if len(t) <= 4)
    return tokens


def _found(numeral: str, tokens: set[str]) -> bool:
    return numeral in tokens or (numeral.isdigit() and str(int(numeral)) in tokens)


def numeral_share(info: QuestionInfo, hits: Sequence[Any]) -> float:
    """Share of the question's numerals (years, numbers, Roman ordinals) found in the passages."""
    if not info.numerals:
        return 1.0
    tokens = _context_tokens(hits)
    return sum(_found(n, tokens) for n in info.numerals) / len(info.numerals)


def spelled_out(acronym: str, hits: Sequence[Any]) -> bool:
    """Whether the passages write the acronym out: "ZBK" is "Zarządu Budynków Komunalnych"."""
    pattern = re.compile(r"\b" + r"\w*\s+".join(re.escape(letter) for letter in acronym) + r"\w*")
    return any(pattern.search(hit.text) for hit in hits)


def identifiers_found(info: QuestionInfo, hits: Sequence[Any]) -> tuple[float, float]:
    """(identifiers, years): whether every identifying numeral of the question ("II spotkanie",
    "nr 3", "6 lipca") occurs in the retrieved passages (1.0 or 0.0), and the share of the
    years it names that do. A question about "the first meeting" is not answered by minutes
    of the second, nor one about 2024 by reports of other years."""
    tokens = _context_tokens(hits)
    years = [n for n in info.numerals if _YEAR.fullmatch(n)]
    others = [n for n in info.numerals if n not in years]
    ident = 1.0 if all(_found(n, tokens) for n in others) else 0.0
    year_share = sum(_found(y, tokens) for y in years) / len(years) if years else 1.0
    return ident, year_share


def score_candidates(info: QuestionInfo, focus: Sequence[FocusWord], candidates: list[SentenceCandidate]) -> None:
    """Fill each candidate's answer-type match, focus coverage and ranking score."""
    by_passage: dict[str, list[SentenceCandidate]] = {}
    for cand in candidates:
        by_passage.setdefault(cand.hit.id, []).append(cand)
    foreign = info.lang != "pl"
    if foreign:
        # cross-lingual sentence similarities are close to each other and only names and numbers
        # meet the Polish words: overlap counts only for the question's distinctive words (a
        # matched "NGO" alone says nothing, "Zustricz" does), and the passage's retrieval rank
        # does not weigh in (its retrieval score does, as for Polish questions)
        words = distinctive_words(focus)
    else:
        # the question's date picks the document (see dated_candidates, date_match); a sentence
        # answers the rest of it: repeating "24 czerwca" is no sign of answering
        words = [f for f in focus if not _is_date_word(f.word)] or list(focus)
    top = max((c.hit.score for c in candidates), default=0.0) or 1.0
    for cand in candidates:
        cand.type_score = answer_type_found(cand.text, info)
        if info.answer_type in (PERSON, AGENT):
            cand.speaker = section_speaker(cand.hit, info)
            if cand.speaker:
                # weaker than a name in the sentence itself: the heading covers every
                # sentence of its section, whichever answers
                cand.type_score = max(cand.type_score, HEADING_TYPE_SCORE)
        cand.coverage = coverage(words, set(cand.terms), known_only=True)
        cand.window_coverage = _window_coverage(words, cand, by_passage[cand.hit.id])
        prior = 0.0 if foreign else 1.0 / (cand.hit.rank + 1)
        length = min(len(cand.text), 400) / 400
        cand.score = (
            cand.cos
            + SCORE_WEIGHTS["coverage"] * cand.coverage
            + SCORE_WEIGHTS["window_coverage"] * cand.window_coverage
            + SCORE_WEIGHTS["rank"] * prior
            + SCORE_WEIGHTS["passage"] * cand.hit.score / top
            + SCORE_WEIGHTS["length"] * length
        )


def section_speaker(hit: Any, info: QuestionInfo) -> str:
    """The passage's own section heading when it names the person or organisation the
    question asks for: minutes put who speaks or proposes in the heading ("Rafał Wojtasik
    (Wydział Mieszkalnictwa UMK)", "2. Fundacja Popatrz Sercem") and the words under it."""
    headings = list(hit.heading_path or [])
    if not headings:
        return ""
    heading = headings[-1]
    return heading if answer_type_found(heading, info) >= 1.0 else ""


def _window_coverage(focus: Sequence[FocusWord], cand: SentenceCandidate, group: list[SentenceCandidate]) -> float:
    """Coverage of the sentence with its neighbours and its passage's headings."""
    window = set(cand.terms) | set(analyzer.terms(" ".join(cand.hit.heading_path or [])))
    i = next(n for n, c in enumerate(group) if c is cand)
    for j in (i - 1, i + 1):
        if 0 <= j < len(group):
            window |= group[j].terms
    return coverage(focus, window, known_only=True) if focus else 0.0


def distinctive_words(focus: Sequence[FocusWord]) -> list[FocusWord]:
    """The names in a foreign-language question that the index knows and few passages hold
    ("Zustricz", not "NGO"); lower-case words that happen to be Polish too ("grant") are not
    names and mean something else there."""
    return [f for f in focus if f.known and f.weight >= DISTINCTIVE_IDF and f.word[:1].isupper()]


_MONTH_LEMMAS = frozenset(
    "styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień"
    " january february march april may june july august september october november december".split()
)


def _is_date_word(word: str) -> bool:
    """A month's name: in a question it dates the event asked about."""
    return bool(analyzer.text_lemmas(word) & _MONTH_LEMMAS)


# How a sentence is ranked as an answer: similarity to the question, plus the share of the
# question's rare words it (and its neighbours) contain, the passage's retrieval rank and score
# (relative to the best passage's: hybrid retrieval with sentence vectors ranks passages well),
# and a slight preference for short sentences (a grid search on the evaluation questions chose
# them; the answer type decides first, see :func:`best_sentence`).
SCORE_WEIGHTS = {"coverage": 0.1, "window_coverage": 0.1, "rank": 0.03, "passage": 0.1, "length": -0.04}
DISTINCTIVE_IDF = 2.0  # a word in fewer than about one passage in eight
GENERIC_IDF = 1.5  # a word in more than about one passage in five
MIN_PASSAGES_FOR_RARITY = 30  # below this, IDF cannot tell a common word from a rare one
TYPE_MARGIN = 0.08
HEADING_TYPE_SCORE = 0.5  # the asked-for name is in the section's heading, not the sentence
UNTYPED_BEST_MARGIN = 0.12


def best_sentence(info: QuestionInfo, candidates: Sequence[SentenceCandidate]) -> SentenceCandidate:
    """The answer sentence: for a typed question the best one holding the asked-for kind of
    answer, unless it falls more than :data:`TYPE_MARGIN` below the best overall (further when
    the best holds nothing of that kind: it cannot answer); from the documents of the date the
    question names when there are any."""
    candidates = dated_candidates(info, candidates)
    candidates = [c for c in candidates if not _answers_nothing(c.text, info)] or candidates
    best = max(candidates, key=lambda c: c.score)
    if info.answer_type:
        margin = TYPE_MARGIN if best.type_score > 0 else UNTYPED_BEST_MARGIN
        pool = [c for c in candidates if c.type_score >= 1.0 and c.score >= best.score - margin]
        if pool:
            return max(pool, key=lambda c: c.score)
    return best


_NAME_CONNECTORS = frozenset({"i", "w", "z", "ze", "na", "do", "dla", "od", "ds", "im", "oraz", "rzecz"})


def _answers_nothing(sentence: str, info: QuestionInfo) -> bool:
    """A question in the text ("Czy rozdzielać środki…?") answers no question; a bare name
    ("Fundacja Internationaler Bund Polska, Fundacja Zustricz,", an item of a participants
    list) answers only "who"."""
    if sentence.rstrip().endswith("?"):
        return True
    if info.answer_type in (PERSON, AGENT):
        return False
    words = re.findall(r"[^\W\d_][\w-]*", sentence)
    return len(words) >= 2 and all(w[:1].isupper() or w.lower() in _NAME_CONNECTORS for w in words)


_DAY_MONTH = re.compile(rf"\b([0-3]?\d)\s+({'|'.join(MONTHS)})\b(?:\s+((?:19|20)\d\d))?", re.I)


def date_match(info: QuestionInfo, hits: Sequence[Any]) -> float:
    """For a question about a dated event ("spotkanie 6 lipca 2011"): 1.0 when a retrieved
    document carries that date, 0.5 when one only mentions it, 0.0 otherwise; 1.0 when no
    day is asked about."""
    match = _DAY_MONTH.search(info.text)
    if not match:
        return 1.0
    day = int(match.group(1))
    mentioned = False
    for hit in hits:
        if _dated_on(hit, match):
            return 1.0
        if re.search(rf"\b{day}\s+{match.group(2)}", hit.text, re.I):
            mentioned = True
    return 0.5 if mentioned else 0.0


def _dated_on(hit: Any, match: re.Match[str]) -> bool:
    """The passage's document is dated the day of ``match`` (a ``_DAY_MONTH`` match)."""
    day, month, year = int(match.group(1)), MONTHS.get(match.group(2).lower(), 0), match.group(3)
    parts = (hit.date or "")[:10].split("-")
    if len(parts) != 3 or not (parts[1].isdigit() and parts[2].isdigit()):
        return False
    return int(parts[1]) == month and int(parts[2]) == day and (not year or parts[0] == year)


def dated_candidates(info: QuestionInfo, candidates: Sequence[SentenceCandidate]) -> list[SentenceCandidate]:
    """The candidates from documents of the date the question names ("spotkanie 24 czerwca
    2025", "w 2011"): a sentence of another year's minutes does not answer it. All of them
    when the question names no single date or no document of that date was retrieved."""
    match = _DAY_MONTH.search(info.text)
    if match:
        same_day = [c for c in candidates if _dated_on(c.hit, match)]
        if same_day:
            return same_day
    years = event_years(info.text)
    if len(set(years)) != 1:
        return list(candidates)
    dated = [c for c in candidates if of_year(c.hit, years[0])]
    return dated or list(candidates)


def evidence_of(
    info: QuestionInfo,
    hits: Sequence[Any],
    candidates: list[SentenceCandidate],
    stats: TermStats,
    q_vec: np.ndarray | None = None,
    passage_similarity: float = 0.0,
) -> Evidence:
    """The abstention signals of a question against its retrieved passages and sentences."""
    focus = focus_words(info, stats)
    score_candidates(info, focus, candidates)
    if not candidates:
        return Evidence({name: 0.0 for name in FEATURES}, None, focus)
    foreign = info.lang != "pl"
    best = best_sentence(info, candidates)
    cos = np.array([c.cos for c in candidates])
    dense_z = 0.0
    if q_vec is not None and stats.background is not None and len(stats.background) > 1:
        sims = stats.background @ q_vec
        dense_z = (float(sims.max()) - float(sims.mean())) / (float(sims.std()) or 1.0)
    type_top = max(c.type_score for c in candidates)
    typed = [c for c in candidates if c.type_score > 0]
    type_cov = max((c.type_score * c.window_coverage for c in typed), default=0.0)
    cov_passage = max((coverage(focus, hit_terms(h), known_only=True) for h in hits[:3]), default=0.0)
    # Words of the language that the index has never seen ("pogoda", "grypa") say the question
    # is about something else; damaged words ("Reyrnonta") the dictionary does not know say nothing.
    real = [f for f in focus if f.known or analyzer.is_known_word(f.word) or analyzer.is_known_word(f.word.lower())]
    unknown_share = 0.0
    total = sum(f.weight for f in real)
    if total and not foreign:
        unknown_share = sum(f.weight for f in real if not f.known) / total
    identifiers = identifiers_found(info, hits)
    # an acronym the index has never seen ("KRS") names something the documents do not cover
    unknown_acronyms = [
        f for f in focus
        if not f.known and _ACRONYM.fullmatch(f.word) and f.word not in _GENERIC_ACRONYMS and not spelled_out(f.word, hits)
    ]
    cov_support = best.window_coverage
    if foreign:
        # Only names and numbers of a foreign-language question can meet the Polish text: the
        # lexical signals count when it has such words and are neutral otherwise; the answer
        # type is then judged anywhere, else next to those words (the address asked for is the
        # one beside the foundation's name, not any address).
        has_known = any(f.known for f in focus)
        cov_support = cov_support if has_known else 1.0
        cov_passage = cov_passage if has_known else 1.0
        type_cov = type_cov if distinctive_words(focus) else type_top
    elif not info.answer_type:
        type_cov = cov_support
    # A Polish question whose only words the documents share are common ones ("Kraków") while
    # it has dictionary words they never use ("pogoda", "weekend") is about something else.
    # In a handful of passages every shared word looks common: rarity then says nothing.
    anchored = 1.0
    if not foreign and stats.n_docs >= MIN_PASSAGES_FOR_RARITY and any(not f.known for f in real):
        anchored = 1.0 if max((f.weight for f in focus if f.known), default=0.0) >= GENERIC_IDF else 0.0
    features = {
        "dense": float(cos.max()),
        "dense_z": dense_z,
        # the closest passage, or the closest sentence when a long passage covers many topics
        # ("…ADHD… mowie nienawiści… wkładów własnych…" is far from each as a whole)
        "on_topic": max(passage_similarity, float(cos.max())),
        # e5 puts cross-lingual pairs lower: the similarity counts per language group
        "on_topic_pl": passage_similarity if not foreign else 0.0,
        "on_topic_foreign": passage_similarity if foreign else 0.0,
        "cov_support": cov_support,
        "cov_passage": cov_passage,
        "unknown_share": unknown_share,
        "type_top": type_top,
        "type_cov": type_cov,
        "numerals": numeral_share(info, hits),
        "identifiers": identifiers[0],
        "acronyms": 0.0 if unknown_acronyms else 1.0,
        "years": identifiers[1],
        "date_match": date_match(info, hits),
        "foreign": 1.0 if foreign else 0.0,
        "typed": 1.0 if info.answer_type else 0.0,
        # the checks, each 1.0 when it does not argue against answering
        "type_ok": type_cov if info.answer_type else 1.0,
        "vocabulary": 1.0 - unknown_share,
        "untyped_cov": cov_support if not info.answer_type else 1.0,
        "n_known_focus": float(sum(1 for f in focus if f.known)),
        "anchored": anchored,
    }
    return Evidence(features, best, focus)


def rule_reasons(features: dict[str, float]) -> list[str]:
    """Checks that decide alone, before any model: the answer type asked for is in no
    sentence of the retrieved passages; an identifying number of the question, or every year it names, is in
    none of the retrieved documents; an acronym of the question is neither in the index nor
    spelled out in the passages; the question shares only common words with the documents."""
    reasons = []
    if features.get("typed") and features.get("type_top", 1.0) <= 0.0:
        reasons.append("no sentence holds the kind of answer asked for")
    if features.get("identifiers", 1.0) <= 0.0:
        reasons.append("an identifying number of the question is not in the documents")
    if features.get("acronyms", 1.0) <= 0.0:
        reasons.append("an acronym of the question is not in the documents")
    if features.get("years", 1.0) <= 0.0:
        reasons.append("the year asked about is not in the documents")
    if features.get("anchored", 1.0) <= 0.0:
        reasons.append("the question shares only common words with the documents")
    return reasons


@dataclass
class AbstentionModel:
    """Logistic model over a few evidence features: P(answerable) = sigmoid(w·x + b).

    ``off_topic`` is derived here: how far the question's closest passage falls below the
    similarity that answerable questions of its language group reach (a fitted reference),
    since e5 rates cross-lingual pairs lower than Polish ones."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    mean: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    references: dict[str, float] = field(default_factory=dict)

    def transform(self, features: dict[str, float]) -> dict[str, float]:
        out = dict(features)
        group = "foreign" if features.get("foreign") else "pl"
        reference = self.references.get(group)
        if reference is not None:
            out["off_topic"] = max(0.0, reference - features.get("on_topic", reference))
        return out

    def probability(self, features: dict[str, float]) -> float:
        x = self.transform(features)
        z = self.bias
        for name, w in self.weights.items():
            z += w * (x.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": {k: round(v, 5) for k, v in self.weights.items()},
            "bias": round(self.bias, 5),
            "threshold": round(self.threshold, 5),
            "mean": {k: round(v, 5) for k, v in self.mean.items()},
            "scale": {k: round(v, 5) for k, v in self.scale.items()},
            "references": {k: round(v, 5) for k, v in self.references.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "AbstentionModel":
        return cls(
            weights=dict(data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data.get("threshold", 0.5)),
            mean=dict(data.get("mean", {})),
            scale=dict(data.get("scale", {})),
            references=dict(data.get("references", {})),
        )


def on_topic_references(rows: Sequence[dict[str, float]], labels: Sequence[int], percentile: float = 5.0) -> dict[str, float]:
    """Per language group, the similarity below which only ``percentile``% of answerable questions fall."""
    out: dict[str, float] = {}
    for group, flag in (("pl", 0.0), ("foreign", 1.0)):
        values = [r["on_topic"] for r, y in zip(rows, labels) if y and float(r.get("foreign", 0.0)) == flag]
        if values:
            out[group] = float(np.percentile(values, percentile))
    return out


def fit_logistic(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    features: Sequence[str],
    l2: float = 1.0,
    iters: int = 200,
    references: dict[str, float] | None = None,
) -> AbstentionModel:
    """L2-regularised logistic regression by Newton's method on standardised features."""
    shell = AbstentionModel({}, 0.0, references=dict(references or {}))
    rows = [shell.transform(r) for r in rows]
    x = np.array([[row.get(f, 0.0) for f in features] for row in rows], dtype=float)
    y = np.asarray(labels, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    a = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg) + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return AbstentionModel(
        weights={f: float(v) for f, v in zip(features, w[:-1])},
        bias=float(w[-1]),
        threshold=0.5,
        mean={f: float(v) for f, v in zip(features, mean)},
        scale={f: float(v) for f, v in zip(features, scale)},
        references=dict(references or {}),
    )

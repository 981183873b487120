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
from typing import Any, Iterable, Sequence

import numpy as np

from assistant.answer.answer_types import (
    ACRONYM,
    GENERIC_ACRONYMS,
    YEAR,
    answer_type_found,
    type_spans,
)
from assistant.answer.rules import DEFAULT_RULES, AnswerRules
from assistant.answer.scorer import HAND_SCORER, CandidateScorer
from assistant.question.analysis import (
    AGENT,
    PERSON,
    QuestionInfo,
    document_of_year,
    event_years,
    of_year,
    period_years,
)
from indexer.documents.metadata import MONTHS
from indexer.store.backends import SearchFilters, Store
from indexer.text import analyzer

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
    features: dict[str, float] = field(default_factory=dict)  # what the scorer weighs

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
    years = [n for n in info.numerals if YEAR.fullmatch(n)]
    others = [n for n in info.numerals if n not in years]
    ident = 1.0 if all(_found(n, tokens) for n in others) else 0.0
    year_share = sum(_found(y, tokens) for y in years) / len(years) if years else 1.0
    return ident, year_share


def score_candidates(
    info: QuestionInfo,
    focus: Sequence[FocusWord],
    candidates: list[SentenceCandidate],
    scorer: CandidateScorer = HAND_SCORER,
    rules: AnswerRules = DEFAULT_RULES,
) -> None:
    """Fill each candidate's features (see :mod:`assistant.answer.scorer`) and its score."""
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
    rare = [f for f in words if f.known and f.weight >= GENERIC_IDF]
    names = distinctive_names(info, focus)
    top = max((c.hit.score for c in candidates), default=0.0) or 1.0
    best_cos = max((c.cos for c in candidates), default=0.0)
    dated = {id(c) for c in dated_candidates(info, candidates)}
    context: dict[str, set[str]] = {}
    for cand in candidates:
        spans = type_spans(cand.text, info)
        cand.type_score = max((st for _a, _b, st in spans), default=0.0) if info.answer_type else 1.0
        if info.answer_type in (PERSON, AGENT) and rules.speaker_heading:
            cand.speaker = section_speaker(cand.hit, info)
            if cand.speaker:
                # weaker than a name in the sentence itself: the heading covers every
                # sentence of its section, whichever answers
                cand.type_score = max(cand.type_score, HEADING_TYPE_SCORE)
        cand.coverage = coverage(words, set(cand.terms), known_only=True)
        cand.window_coverage = _window_coverage(words, cand, by_passage[cand.hit.id])
        if cand.hit.id not in context:
            context[cand.hit.id] = hit_terms(cand.hit)
        cand.features = {
            "cos": cand.cos,
            "cos_gap": cand.cos - best_cos,
            "coverage": cand.coverage,
            "window_coverage": cand.window_coverage,
            "rank_prior": 0.0 if foreign else 1.0 / (cand.hit.rank + 1),
            "passage": cand.hit.score / top,
            "length": min(len(cand.text), 400) / 400,
            "type": cand.type_score,
            "type_subject": _subject_beside(cand, spans, words) if info.answer_type else cand.coverage,
            "specific": coverage(rare, context[cand.hit.id], known_only=True) if rare else 1.0,
            "dated": 1.0 if id(cand) in dated else 0.0,
            "non_answer": 1.0 if _answers_nothing(cand.text, info) else 0.0,
            "speaker": 1.0 if cand.speaker else 0.0,
            "names": _names_in(info, names, cand),
            "year": _year_match(info, cand),
        }
        cand.score = scorer.score(cand.features)


SUBJECT_WINDOW = 80  # characters either side of a typed answer that may name what it is about


def _subject_beside(cand: SentenceCandidate, spans: Sequence[tuple[int, int, float]], focus: Sequence[FocusWord]) -> float:
    """How much of the question's words stand beside the asked-for answer (within
    :data:`SUBJECT_WINDOW` characters, or in the passage's headings): "25 zł za m² czynszu" is
    no answer to the Budżet Obywatelski's budget however many amounts the sentence holds."""
    if not spans or not focus:
        return 0.0
    headings = set(analyzer.terms(" ".join(cand.hit.heading_path or [])))
    best = 0.0
    for start, end, strength in spans:
        window = cand.text[max(0, start - SUBJECT_WINDOW) : end + SUBJECT_WINDOW]
        best = max(best, strength * coverage(focus, set(analyzer.terms(window)) | headings, known_only=True))
    return best


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


DISTINCTIVE_IDF = 2.0  # a word in fewer than about one passage in eight
GENERIC_IDF = 1.5  # a word in more than about one passage in five
MIN_PASSAGES_FOR_RARITY = 30  # below this, IDF cannot tell a common word from a rare one
TYPE_MARGIN = 0.08
HEADING_TYPE_SCORE = 0.5  # the asked-for name is in the section's heading, not the sentence
UNTYPED_BEST_MARGIN = 0.12


def best_sentence(
    info: QuestionInfo, candidates: Sequence[SentenceCandidate], rules: AnswerRules = DEFAULT_RULES
) -> SentenceCandidate:
    """The answer sentence: the best scored one, from the documents of the date the question
    names when there are any (rule ``dated_documents``), not one that answers nothing (rule
    ``skip_non_answers``); for a typed question the best one holding the asked-for kind of
    answer unless it falls more than :data:`TYPE_MARGIN` below the best (rule ``typed_pool``)."""
    if rules.dated_documents:
        candidates = dated_candidates(info, candidates)
    if rules.skip_non_answers:
        candidates = [c for c in candidates if not c.features.get("non_answer")] or list(candidates)
    best = max(candidates, key=lambda c: c.score)
    if info.answer_type and rules.typed_pool:
        margin = TYPE_MARGIN if best.type_score > 0 else UNTYPED_BEST_MARGIN
        pool = [c for c in candidates if c.type_score >= 1.0 and c.score >= best.score - margin]
        if pool:
            best = max(pool, key=lambda c: c.score)
    if rules.checked_pool and not _passes(best, info):
        # the best sentence that would not be vetoed (of the year and the names asked about,
        # holding the asked-for type), when one is close enough
        pool = [c for c in candidates if _passes(c, info) and c.score >= best.score - CHECKED_MARGIN]
        if pool:
            best = max(pool, key=lambda c: c.score)
    return best


CHECKED_MARGIN = 0.15


def _passes(cand: SentenceCandidate, info: QuestionInfo) -> bool:
    """The candidate is of the year and the names the question asks about and, for a typed
    question, holds that kind of answer: none of the answer's vetoes would refuse it."""
    typed_ok = not info.answer_type or cand.type_score >= 1.0
    return typed_ok and cand.features.get("names", 1.0) >= 1.0 and cand.features.get("year", 1.0) >= 1.0


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
    scorer: CandidateScorer = HAND_SCORER,
    rules: AnswerRules = DEFAULT_RULES,
) -> Evidence:
    """The abstention signals of a question against its retrieved passages and sentences."""
    focus = focus_words(info, stats)
    score_candidates(info, focus, candidates, scorer, rules)
    if not candidates:
        return Evidence({name: 0.0 for name in FEATURES}, None, focus)
    foreign = info.lang != "pl"
    best = best_sentence(info, candidates, rules)
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
        if not f.known and ACRONYM.fullmatch(f.word) and f.word not in GENERIC_ACRONYMS and not spelled_out(f.word, hits)
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
        # the chosen sentence as the scorer sees it: the "no answer" alternative is weighed
        # against these (corpus-independent: nothing here is relative to the index's size)
        "support_score": best.score,
        "support_cos": best.cos,
        "support_type_subject": best.features.get("type_subject", 0.0),
        "support_specific": best.features.get("specific", 1.0),
        "support_dated": best.features.get("dated", 1.0),
        "year_match": _year_match(info, best),
        "support_type": best.type_score if info.answer_type else 1.0,
        "support_names": best.features.get("names", 1.0),
    }
    return Evidence(features, best, focus)


def _year_match(info: QuestionInfo, support: SentenceCandidate) -> float:
    """1.0 when the answer comes from a document of the year the question names ("program
    współpracy na 2024 rok", "w 2019 roku") or its passage names that year; 0.0 otherwise; 1.0
    when the question names no single year."""
    events, periods = set(event_years(info.text)), set(period_years(info.text)) - set(event_years(info.text))
    if len(events | periods) != 1:
        return 1.0
    year = next(iter(events | periods))
    hit = support.hit
    of = document_of_year(hit.date, hit.title, year, period=bool(periods))
    return 1.0 if of or year in hit.text or year in " ".join(hit.heading_path or []) else 0.0


def question_names(info: QuestionInfo) -> list[str]:
    """The names a Polish question asks about: capitalised words after its first, not acronyms
    ("Dębnikach", "Sportu", "Podgórze" in "Klub Sąsiedzki na Dębnikach")."""
    if info.lang != "pl":
        return []
    words = analyzer.words(info.text)[1:]
    return [
        w for w in words
        if w[:1].isupper() and sum(ch.isupper() for ch in w) == 1 and len(w) >= 4 and analyzer.word_terms(w)
    ]


def distinctive_names(info: QuestionInfo, focus: Sequence[FocusWord]) -> list[FocusWord]:
    """The question's names (:func:`question_names`) that few passages hold, or none: what it
    is about ("Centrum Obywatelskie Bieżanów": "Centrum" and "Obywatelskie" are everywhere,
    "Bieżanów" is the one that matters)."""
    asked = set(question_names(info))
    # a word neither the index nor the dictionary knows is a typo or OCR damage ("Lokalowc"), no name
    return [
        f for f in focus
        if f.word in asked and (f.weight >= GENERIC_IDF if f.known else analyzer.is_known_word(f.word))
    ]


def _names_in(info: QuestionInfo, names: Sequence[FocusWord], cand: SentenceCandidate) -> float:
    """Share of the question's distinctive names that the candidate's passage, with its title
    and headings, holds: opening hours of another centre do not answer for this one."""
    if not names:
        return 1.0
    context = hit_terms(cand.hit)
    return sum(bool(f.terms & context) for f in names) / len(names)


def rule_reasons(features: dict[str, float], rules: AnswerRules = DEFAULT_RULES) -> list[str]:
    """Checks that decide alone, before any model: the answer type asked for is in no
    sentence of the retrieved passages; an identifying number of the question, or every year it names, is in
    none of the retrieved documents; an acronym of the question is neither in the index nor
    spelled out in the passages; the question shares only common words with the documents."""
    reasons = []
    if rules.veto_missing_type and features.get("typed") and features.get("type_top", 1.0) <= 0.0:
        reasons.append("no sentence holds the kind of answer asked for")
    if rules.veto_missing_identifier and features.get("identifiers", 1.0) <= 0.0:
        reasons.append("an identifying number of the question is not in the documents")
    if rules.veto_unknown_acronym and features.get("acronyms", 1.0) <= 0.0:
        reasons.append("an acronym of the question is not in the documents")
    if rules.veto_missing_year and features.get("years", 1.0) <= 0.0:
        reasons.append("the year asked about is not in the documents")
    if rules.veto_common_words_only and features.get("anchored", 1.0) <= 0.0:
        reasons.append("the question shares only common words with the documents")
    if rules.veto_answer_without_type and features.get("support_type", 1.0) <= 0.0:
        reasons.append("the best answer sentence does not hold the kind of answer asked for")
    if rules.veto_other_year and features.get("year_match", 1.0) <= 0.0:
        reasons.append("the answer comes from a document of another year than the one asked about")
    if rules.veto_other_name and features.get("support_names", 1.0) < 1.0:
        reasons.append("the answer's passage does not name what the question is about")
    return reasons

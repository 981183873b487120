"""Candidate answer sentences: their features (what the scorer weighs), their scores, and the
choice of the answer sentence among them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.answer_types import answer_type_found, type_spans
from assistant.answer.rules import DEFAULT_RULES, AnswerRules
from assistant.answer.scorer import HAND_SCORER, CandidateScorer
from assistant.answer.terms import (
    GENERIC_IDF,
    FocusWord,
    _is_date_word,
    coverage,
    distinctive_names,
    distinctive_words,
    hit_terms,
)
from assistant.question.analysis import (
    AGENT,
    PERSON,
    QuestionInfo,
    document_of_year,
    event_years,
    of_year,
    period_years,
)
from indexer.text import analyzer
from indexer.text.language import month_genitives


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


TYPE_MARGIN = 0.08


HEADING_TYPE_SCORE = 0.5  # the asked-for name is in the section's heading, not the sentence


UNTYPED_BEST_MARGIN = 0.12


def best_sentence(info: QuestionInfo, candidates: Sequence[SentenceCandidate], rules: AnswerRules = DEFAULT_RULES) -> SentenceCandidate:
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


_DAY_MONTH = re.compile(rf"\b([0-3]?\d)\s+({'|'.join(month_genitives())})\b(?:\s+((?:19|20)\d\d))?", re.I)


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
    day, month, year = int(match.group(1)), month_genitives().get(match.group(2).lower(), 0), match.group(3)
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


def _names_in(info: QuestionInfo, names: Sequence[FocusWord], cand: SentenceCandidate) -> float:
    """Share of the question's distinctive names that the candidate's passage, with its title
    and headings, holds: opening hours of another centre do not answer for this one."""
    if not names:
        return 1.0
    context = hit_terms(cand.hit)
    return sum(bool(f.terms & context) for f in names) / len(names)

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

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from assistant.answer.answer_types import (
    ACRONYM,
    GENERIC_ACRONYMS,
    YEAR,
)
from assistant.answer.candidates import (
    SentenceCandidate,
    _year_match,
    best_sentence,
    date_match,
    score_candidates,
)
from assistant.answer.rules import DEFAULT_RULES, AnswerRules
from assistant.answer.scorer import HAND_SCORER, CandidateScorer
from assistant.answer.terms import (
    GENERIC_IDF,
    MIN_PASSAGES_FOR_RARITY,
    FocusWord,
    TermStats,
    coverage,
    distinctive_words,
    focus_words,
    hit_terms,
)
from assistant.question.analysis import (
    QuestionInfo,
)
from indexer.text import analyzer

# --------------------------------------------------------------------------------------
# Term statistics of the index (IDF of question words)
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Focus terms: the question's content words weighted by IDF
# --------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------
# Features and the abstention model
# --------------------------------------------------------------------------------------

# The features the abstention model is fitted on (``python -m eval.answers fit``).
MODEL_FEATURES = ("off_topic", "type_ok", "date_match")
FEATURES = ("dense", "on_topic", "foreign", "typed", "type_top", "type_ok", "identifiers", "acronyms", "years", "date_match", "vocabulary", "anchored")


@dataclass
class Evidence:
    """The signals of one question and the best supporting sentence."""

    features: dict[str, float]
    support: SentenceCandidate | None
    focus: list[FocusWord] = field(default_factory=list)


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
        return Evidence(dict.fromkeys(FEATURES, 0.0), None, focus)
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
    unknown_acronyms = [f for f in focus if not f.known and ACRONYM.fullmatch(f.word) and f.word not in GENERIC_ACRONYMS and not spelled_out(f.word, hits)]
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


# The vetoes: (rule, feature, the value at or below which it refuses, why). A feature is 1.0 when
# it does not argue against answering; "typed" questions only for the type checks.
VETOES = (
    ("veto_missing_type", "type_top", 0.0, "no sentence holds the kind of answer asked for"),
    ("veto_missing_identifier", "identifiers", 0.0, "an identifying number of the question is not in the documents"),
    ("veto_unknown_acronym", "acronyms", 0.0, "an acronym of the question is not in the documents"),
    ("veto_missing_year", "years", 0.0, "the year asked about is not in the documents"),
    ("veto_common_words_only", "anchored", 0.0, "the question shares only common words with the documents"),
    ("veto_answer_without_type", "support_type", 0.0, "the best answer sentence does not hold the kind of answer asked for"),
    ("veto_other_year", "year_match", 0.0, "the answer comes from a document of another year than the one asked about"),
    ("veto_other_name", "support_names", 1.0 - 1e-9, "the answer's passage does not name what the question is about"),
)


def rule_reasons(features: dict[str, float], rules: AnswerRules = DEFAULT_RULES) -> list[str]:
    """The vetoes that decide alone, before any model (:data:`VETOES`, each one a switch of
    ``rules``): the kind of answer asked for is in no sentence, or not in the chosen one; an
    identifying number, the year asked about or an acronym is not in the documents; the question
    shares only common words with them; the answer's document is of another year, or its passage
    does not name what the question names."""
    return [
        reason
        for rule, feature, limit, reason in VETOES
        if getattr(rules, rule) and (feature != "type_top" or features.get("typed")) and features.get(feature, 1.0) <= limit
    ]

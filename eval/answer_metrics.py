"""Answer metrics: citation precision and recall, key-fact coverage, abstention.

Definitions (per question, then averaged):

* citation precision: among an answered question's citations, the share whose cited passage is
  correct (from a gold document and containing a key phrase, its section headings included);
  answered questions only.
* citation recall: the share of the question's key phrases found in its correct cited passages
  (so a multi-document or list question needs every part cited); an abstention scores 0.
* key-fact coverage: the share of the question's key facts the answer states; a fact is stated
  when at least two thirds of its content words occur in the answer (as lemmas, or folded forms,
  so inflection and missing diacritics do not matter); an abstention scores 0.
* abstention precision: the share of abstentions that were on unanswerable questions;
  abstention recall: the share of unanswerable questions abstained on;
  false abstention: the share of answerable questions abstained on.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.gold import Question, doc_matches, folded
from eval.metrics import latency
from eval.systems import shown_text
from indexer.text import analyzer

FACT_WORD_SHARE = 2 / 3


def fact_stated(fact: str, answer_terms: set[str]) -> bool:
    """True when at least two thirds of the fact's content words occur in the answer's terms."""
    words = [set(analyzer.word_terms(w)) for w in analyzer.words(fact)]
    words = [terms for terms in words if terms]
    if not words:
        return False
    found = sum(bool(terms & answer_terms) for terms in words)
    return found / len(words) >= FACT_WORD_SHARE - 1e-9


def score_answer(question: Question, answer: Any) -> dict[str, Any]:
    """The answer metrics of one question (``None`` where a metric does not apply)."""
    abstained = bool(answer.abstained)
    row: dict[str, Any] = {"abstained": abstained, "answerable": question.answerable}
    if not question.answerable:
        return row
    if abstained:
        return {**row, "citation_precision": None, "citation_recall": 0.0, "key_fact_coverage": 0.0}
    correct = [c for c in answer.citations if citation_correct(c, question)]
    cited = folded(" ".join(_shown(c) for c in correct))
    answer_terms = set(analyzer.terms(answer.answer))
    facts = question.key_facts
    return {
        **row,
        "citation_precision": len(correct) / len(answer.citations) if answer.citations else 0.0,
        "citation_recall": (sum(folded(p) in cited for p in question.key_phrases) / len(question.key_phrases) if question.key_phrases else 0.0),
        "key_fact_coverage": (sum(fact_stated(f, answer_terms) for f in facts) / len(facts) if facts else 0.0),
    }


def citation_correct(citation: Any, question: Question) -> bool:
    """The cited passage (read with its section headings) comes from a gold document and
    contains one of the question's key phrases."""
    if not doc_matches(citation.doc_id or citation.source, question):
        return False
    shown = folded(_shown(citation))
    return any(folded(p) in shown for p in question.key_phrases)


def _shown(citation: Any) -> str:
    """The cited passage with its section headings, as the reader sees it."""
    return shown_text(citation.passage, getattr(citation, "heading_path", None) or ())


def summarize(rows: dict[str, dict[str, Any]], questions: Sequence[Question]) -> dict[str, Any]:
    """Overall and per-kind means of the per-question answer metrics."""
    by_kind: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for q in questions:
        if q.id in rows:
            by_kind[q.kind].append(rows[q.id])
    return {
        "overall": _summary([rows[q.id] for q in questions if q.id in rows]),
        "by_kind": {kind: _summary(group) for kind, group in sorted(by_kind.items())},
    }


def _mean(values: list[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return float(np.mean(kept)) if kept else None


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    answerable = [r for r in rows if r["answerable"]]
    unanswerable = [r for r in rows if not r["answerable"]]
    abstained = [r for r in rows if r["abstained"]]
    out: dict[str, Any] = {"n": len(rows), "n_answerable": len(answerable), "n_unanswerable": len(unanswerable)}
    if answerable:
        out["citation_precision"] = _mean([r["citation_precision"] for r in answerable])
        out["citation_recall"] = _mean([r["citation_recall"] for r in answerable])
        out["key_fact_coverage"] = _mean([r["key_fact_coverage"] for r in answerable])
        out["false_abstention"] = sum(r["abstained"] for r in answerable) / len(answerable)
    if unanswerable:
        out["abstention_recall"] = sum(r["abstained"] for r in unanswerable) / len(unanswerable)
    if abstained and unanswerable:
        out["abstention_precision"] = sum(not r["answerable"] for r in abstained) / len(abstained)
    return out


def evaluate_answers(answerer: Any, questions: Sequence[Question]) -> dict[str, Any]:
    """Ask every question (timed) and score the answers."""
    rows: dict[str, dict[str, Any]] = {}
    seconds: list[float] = []
    answerer.retriever.warm_up()
    for q in questions:
        t0 = time.perf_counter()
        answer = answerer.ask(q.question)
        seconds.append(time.perf_counter() - t0)
        rows[q.id] = score_answer(q, answer)
    return {**summarize(rows, questions), "latency": latency(seconds), "per_question": rows}

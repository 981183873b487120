"""A retrieval system under evaluation, and how one is run over the gold questions.

A system answers ``search(query, k)`` with ranked items (id, document, text) and can list every
item it could return (``passages()``), from which its passage-level relevance judgements are made:
systems chunk differently, so each is judged against its own passages.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from assistant.retrieval.retriever import DEFAULT_KINDS
from eval.gold import Question, doc_name, passage_qrels
from eval.metrics import K, aggregate, latency, per_question
from indexer.store.schema import SearchFilters


@dataclass(frozen=True)
class Ranked:
    """One retrieved item: its id in the system, the file name of its document, its text."""

    id: str
    doc: str
    text: str


class System(Protocol):
    """What the suite needs from a system: a name, a label, search, and its passages."""

    name: str
    label: str

    def warm_up(self) -> None: ...

    def search(self, query: str, k: int) -> list[Ranked]: ...

    def passages(self) -> Iterable[Ranked]: ...


class IndexSystem:
    """A system served by a built index through :class:`assistant.retrieval.retriever.Retriever`."""

    def __init__(self, name: str, label: str, retriever: Any, mode: str = "hybrid", owns_retriever: bool = False) -> None:
        self.name = name
        self.label = label
        self.retriever = retriever
        self.mode = mode
        self.owns_retriever = owns_retriever

    def close(self) -> None:
        """Close the retriever when this system opened it (a variant index), else leave it."""
        if self.owns_retriever:
            self.retriever.close()

    def warm_up(self) -> None:
        self.retriever.warm_up()

    def search(self, query: str, k: int) -> list[Ranked]:
        hits = self.retriever.search(query, k=k, mode=self.mode)
        return [Ranked(h.id, doc_name(h.doc_id or h.source), shown_text(h.text, h.heading_path)) for h in hits]

    def passages(self) -> Iterator[Ranked]:
        # judged against what the system can return: the kinds a plain search covers
        for hit in self.retriever.store.scroll(SearchFilters(kinds=DEFAULT_KINDS)):
            p = hit.payload
            yield Ranked(
                hit.id,
                doc_name(p.get("doc_id") or p.get("source", "")),
                shown_text(p.get("text", ""), p.get("heading_path") or ()),
            )


def shown_text(text: str, heading_path: Iterable[str] = ()) -> str:
    """A passage as a reader sees it: its section headings, then its text. Judging this rather
    than the bare text keeps a fact stated only in a heading (a speaker's name) judgeable, as it
    is for chunkers that leave headings inline."""
    return "\n".join([*heading_path, text])


def evaluate_system(system: System, questions: list[Question], k: int = K) -> dict[str, Any]:
    """Search every question once (timed, one query at a time, after a warm-up) and score the
    answerable ones at passage level (own passages as judgements) and document level (gold docs)."""
    system.warm_up()
    results: dict[str, list[Ranked]] = {}
    seconds: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        results[q.id] = system.search(q.question, k)
        seconds.append(time.perf_counter() - t0)
    answerable = [q for q in questions if q.answerable]
    passages = list(system.passages())
    qrels = passage_qrels(((p.id, p.doc, p.text) for p in passages), answerable)
    passage_scores = per_question(qrels, {q.id: [r.id for r in results[q.id]] for q in answerable}, k)
    doc_scores = per_question(
        {q.id: set(q.gold_docs) for q in answerable},
        {q.id: [r.doc for r in results[q.id]] for q in answerable},
        k,
    )
    return {
        "name": system.name,
        "label": system.label,
        "passages_indexed": len(passages),
        "passage": aggregate(passage_scores, answerable),
        "document": aggregate(doc_scores, answerable),
        "latency": latency(seconds),
        "misses": [q.id for q in answerable if passage_scores[q.id]["hit@5"] == 0.0],
        "no_relevant_passage": sorted(qid for qid, ids in qrels.items() if not ids),
        "per_question": {q.id: {"passage": passage_scores[q.id], "document": doc_scores[q.id]} for q in answerable},
    }

"""Hybrid retrieval: the query embedded and analysed; dense and lexical candidates scored by
passage, best sentence and BM25 and fused (:mod:`indexer.store.fusion`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.question.analysis import (
    document_of_year,
    event_years,
    period_years,
    without_event_years,
)
from assistant.retrieval.rerank import Reranker, RerankerUnavailable, load_reranker
from indexer.settings import Settings
from indexer.store.base import Store
from indexer.store.fusion import SENTENCE_SHARE
from indexer.store.schema import (
    FusionMethod,
    SearchFilters,
    SearchMode,
    SearchRequest,
    StoredHit,
)
from indexer.text import analyzer
from indexer.text.analyzer import Bm25Weights
from indexer.text.repair import repair_query
from indexer.versions import (
    current_version_dir,
    open_store,
    read_manifest,
    read_vocabulary,
)

if TYPE_CHECKING:
    from indexer.vectors.embeddings import Embedder

logger = logging.getLogger(__name__)


@dataclass
class Hit:
    """One retrieved passage with everything needed to cite it."""

    rank: int
    score: float
    text: str
    source: str
    title: str
    date: str | None
    type: str
    page: int | None
    doc_id: str = ""
    heading_path: list[str] = field(default_factory=list)
    chunk_no: int = 0
    original_name: str | None = None  # the file's name in the source archive, when recorded
    id: str = ""
    payload: dict[str, Any] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form of the command-line contract."""
        data = asdict(self)
        data.pop("payload")
        data.pop("id")
        return data

    @classmethod
    def from_stored(cls, rank: int, hit: StoredHit) -> Hit:
        p = hit.payload
        return cls(
            rank=rank,
            score=round(hit.score, 6),
            text=p.get("text", ""),
            source=p.get("source", ""),
            title=p.get("title", ""),
            date=p.get("date"),
            type=p.get("type", "document"),
            page=p.get("page"),
            doc_id=p.get("doc_id", ""),
            heading_path=list(p.get("heading_path") or []),
            chunk_no=int(p.get("chunk_no", 0)),
            original_name=p.get("original_name"),
            id=hit.id,
            payload=p,
        )


# What a plain search returns: document passages. Postulate records repeat passages' text in
# structured form; they are searched on purpose (postulates, precedents) by naming their kind.
DEFAULT_KINDS: tuple[str, ...] = ("passage",)
_TIE_MARGIN = 5  # extra results fetched so that ties at the cut are broken the same way every time
# A question dated by years ("Jak w 2011 i w 2025 roku …") is searched without them, and the
# passages of documents of those years get this much on the fused score (0 … 1.5): the years
# name documents, not what a passage says. Eval: passage MRR@10 0.821 -> 0.850, multi-document
# questions 0.670 -> 0.745 (0.2 and 0.3 gave the same per-kind picture; 0.2 kept).
YEAR_BONUS = 0.2
YEAR_POOL = 30  # candidates re-ranked for a dated question


def _stable_order(hits: list[StoredHit]) -> list[StoredHit]:
    """Order by score, breaking exact ties (common with rank fusion) by document and position."""
    return sorted(
        hits,
        key=lambda h: (-round(h.score, 9), str(h.payload.get("doc_id", "")), int(h.payload.get("chunk_no", 0) or 0), h.id),
    )


def _dated(hits: list[StoredHit], events: Sequence[str], periods: Sequence[str] = ()) -> list[StoredHit]:
    """``hits`` with :data:`YEAR_BONUS` added for documents of the years the question names:
    the dated events' and the periods' (a programme "na rok 2024")."""
    if not events and not periods:
        return hits

    def of(h: StoredHit) -> bool:
        date, title = h.payload.get("date"), h.payload.get("title")
        return any(document_of_year(date, title, y) for y in events) or any(
            document_of_year(date, title, y, period=True) for y in periods
        )

    return [replace(h, score=h.score + YEAR_BONUS) if of(h) else h for h in hits]


class Retriever:
    """Opens the store and the embedding model once; answers many searches."""

    fusion: FusionMethod = "score"  # how the hybrid lists are combined ("rrf": the ablation)
    sentence_share = SENTENCE_SHARE  # weight of the best sentence against the whole passage

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self._store = store
        self._embedder: Embedder | None = None
        self._lock = threading.Lock()
        self.timings: dict[str, float] = {}
        self._bm25 = Bm25Weights()
        self._vocab: np.ndarray | None = None
        self._vocab_loaded = False
        self._vocab_version: Path | None = None
        self._reranker: Reranker | None = None
        self._reranker_loaded = False
        self._reranker_lock = threading.Lock()
        self.reranker_problem: str | None = None  # why the configured reranker is not used

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings)
        return self._store

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            from indexer.vectors.embeddings import load_embedder

            t0 = time.perf_counter()
            self._embedder = load_embedder(self.settings)
            self.timings["model_load"] = time.perf_counter() - t0
        return self._embedder

    @property
    def reranker(self) -> Reranker | None:
        """The configured cross-encoder, loaded on first use; None when off or when it cannot
        load (then searches go on without it and :attr:`reranker_problem` says why)."""
        if not self.settings.reranker_model:
            return None
        with self._reranker_lock:
            if not self._reranker_loaded:
                t0 = time.perf_counter()
                try:
                    self._reranker = load_reranker(self.settings)
                except RerankerUnavailable as exc:
                    self.reranker_problem = str(exc)
                    logger.warning("%s; searching without reranking", exc)
                self._reranker_loaded = True
                self.timings["reranker_load"] = time.perf_counter() - t0
            return self._reranker

    def warm_up(self) -> None:
        """Load the models and open the store now rather than on the first question."""
        self.embedder.encode_queries(["rozgrzewka"])
        _ = self.reranker
        _ = self.store

    def lexical_weight(self, query: str) -> float:
        """How much the lexical list counts in the fusion, from the share of the query's words
        that the index vocabulary knows: English or Ukrainian questions fall back on dense
        search, Polish ones (with or without diacritics) use both sides fully."""
        live = current_version_dir(self.settings.index_dir)
        if not self._vocab_loaded or live != self._vocab_version:  # follow the live version
            self._vocab = read_vocabulary(self.settings.index_dir)
            self._vocab_version = live
            self._vocab_loaded = True
        vocab = self._vocab
        content = [analyzer.word_terms(w) for w in analyzer.words(query)]
        content = [terms for terms in content if terms]
        if vocab is None or not content:
            return 1.0
        known = 0
        for terms in content:
            ids = np.fromiter((analyzer.term_id(t) for t in terms), dtype=np.uint32)
            pos = np.searchsorted(vocab, ids)
            pos[pos >= len(vocab)] = 0
            known += bool(np.any(vocab[pos] == ids))
        coverage = known / len(content)
        # Off below a quarter of the words known (a foreign-language question), full above
        # three quarters, linear in between: a few shared names should not steer the ranking.
        return min(1.0, max(0.0, (coverage - 0.25) / 0.5))

    def embed_queries(self, queries: Sequence[str]) -> list[list[float]]:
        return [list(map(float, v)) for v in self.embedder.encode_queries(list(queries))]

    def search(
        self,
        query: str,
        k: int = 10,
        filters: SearchFilters | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[Hit]:
        """The ``k`` best passages for ``query``."""
        return self.search_many([query], k=k, filters=filters, mode=mode)[0]

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        filters: SearchFilters | None = None,
        mode: SearchMode = "hybrid",
    ) -> list[list[Hit]]:
        """Search several queries, embedding them in one batch."""
        if not queries:
            return []
        # typed without Polish letters or pasted from a damaged text: searched as repaired
        queries = [repair_query(q) for q in queries]
        years = [(event_years(q), period_years(q)) if mode == "hybrid" else ([], []) for q in queries]
        texts = [without_event_years(q) if event_years(q) else q for q in queries]
        fetch = max(k, YEAR_POOL) if any(e or p for e, p in years) else k
        reranker = self.reranker
        if reranker is not None:
            fetch = max(fetch, reranker.top)
        filters = filters or SearchFilters()
        if not filters.kinds:
            filters = replace(filters, kinds=DEFAULT_KINDS)
        t0 = time.perf_counter()
        dense = self.embed_queries(texts) if mode != "sparse" else [[0.0]] * len(texts)
        t1 = time.perf_counter()
        requests = [
            SearchRequest(
                dense=vector,
                sparse=self._bm25.query(query),
                limit=fetch + _TIE_MARGIN,
                mode=mode,
                filters=filters,
                prefetch_limit=max(50, 5 * k),
                lexical_weight=self.lexical_weight(query),
                fusion=self.fusion,
                sentence_share=self.sentence_share,
            )
            for query, vector in zip(texts, dense)
        ]
        with self._lock:  # the embedded engine is used from one thread at a time
            results = self.store.search_batch(requests)
        t2 = time.perf_counter()
        self.timings.update(embed=t1 - t0, query=t2 - t1)
        ordered = [_stable_order(_dated(hits, *y)) for hits, y in zip(results, years)]
        if reranker is not None:  # the question as asked, years included: titles carry dates
            ordered = reranker.rerank_many(queries, ordered)
            self.timings["rerank"] = time.perf_counter() - t2
        return [[Hit.from_stored(i, hit) for i, hit in enumerate(hits[:k], start=1)] for hits in ordered]

    def index_info(self) -> dict[str, Any]:
        manifest = read_manifest(self.settings.index_dir)
        return {} if manifest is None else {"version": manifest.version, "documents": manifest.documents}

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

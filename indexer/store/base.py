"""The one store interface: every operation the indexer, search and answering use, typed once.

:class:`Store` is implemented by :class:`indexer.store.edge.EdgeStore` (Qdrant Edge in a
directory), :class:`indexer.store.server.ClientStore` (a Qdrant server) and
:class:`indexer.versions.LiveStore` (the live Edge version, following each new build).
A backend provides the engine primitives (:meth:`Store.query`, :meth:`Store.rescore`,
:meth:`Store.payloads`); the hybrid score fusion on top of them is written here once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from indexer.store.fusion import fuse
from indexer.store.schema import (
    DENSE,
    SENTENCES,
    SearchFilters,
    SearchRequest,
    StoredHit,
    StoredPoint,
)


class Store(ABC):
    """What the indexer and the assistant need from a vector store."""

    #: False for an index built before sentence vectors existed (passage vectors only).
    has_sentences: bool = True

    @abstractmethod
    def upsert(self, points: Sequence[StoredPoint]) -> None:
        """Write ``points`` (same id: replaced)."""

    @abstractmethod
    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every point of the documents ``doc_ids``."""

    @abstractmethod
    def delete_points(self, point_ids: Sequence[str]) -> None:
        """Remove the points ``point_ids``."""

    @abstractmethod
    def query(self, request: SearchRequest, with_payload: bool = True) -> list[StoredHit]:
        """One engine query: the dense or sparse list, or both fused by reciprocal rank."""

    @abstractmethod
    def rescore(self, request: SearchRequest, using: str, with_payload: bool = False) -> list[StoredHit]:
        """The dense and sparse candidates of ``request`` scored by the vector ``using``."""

    @abstractmethod
    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]:
        """Every point matching ``filters`` (with its vectors when asked), in id order."""

    @abstractmethod
    def count(self, filters: SearchFilters | None = None) -> int:
        """How many points match ``filters``."""

    @abstractmethod
    def payloads(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The payloads of the points ``ids`` (absent ids are left out)."""

    @abstractmethod
    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]:
        """The stored sentence vectors of the points ``ids`` (none from an index without them)."""

    @abstractmethod
    def finish(self) -> None:
        """Make what was written durable and searchable (index building, flushing)."""

    @abstractmethod
    def close(self) -> None:
        """Release the store's files or connection."""

    def search(self, request: SearchRequest) -> list[StoredHit]:
        """The best ``request.limit`` points: score fusion for hybrid requests, else the engine's list."""
        if request.mode == "sparse" and not request.sparse.indices:
            return []
        if request.mode == "hybrid" and request.fusion == "score":
            return self.fused_search(request)
        return self.query(request)

    def search_batch(self, requests: Sequence[SearchRequest]) -> list[list[StoredHit]]:
        """:meth:`search` for each request, in order."""
        return [self.search(r) for r in requests]

    def fused_search(self, request: SearchRequest) -> list[StoredHit]:
        """Hybrid search by score fusion: the candidates of the dense and sparse lists, each scored
        by passage vector, best sentence and BM25, fused by :func:`indexer.store.fusion.fuse`."""
        dense = self.rescore(request, DENSE, with_payload=False)
        if not dense:
            return []
        sentences: list[StoredHit] = []
        if self.has_sentences and request.sentence_share > 0:
            sentences = self.rescore(request, SENTENCES, with_payload=False)
        sparse = (
            self.query(replace(request, mode="sparse", limit=request.prefetch_limit), with_payload=False)
            if request.sparse.indices
            else []
        )
        ranked = fuse(
            {h.id: h.score for h in dense},
            {h.id: h.score for h in sentences},
            {h.id: h.score for h in sparse},
            lexical_weight=request.lexical_weight,
            sentence_share=request.sentence_share,
        )[: request.limit]
        payloads = self.payloads([key for key, _ in ranked])  # only the results' payloads are read
        return [StoredHit(key, score, payloads.get(key, {})) for key, score in ranked]


def copy_points(source: Store, target: Store, batch: int = 256) -> int:
    """Copy every point (vectors and payload) from ``source`` into ``target``; returns the count."""
    pending: list[StoredPoint] = []
    copied = 0
    for hit in source.scroll(with_vectors=True):
        if hit.dense is None or hit.sparse is None:
            continue
        pending.append(StoredPoint(hit.id, hit.dense, hit.sparse, hit.payload, hit.sentences or ()))
        if len(pending) >= batch:
            target.upsert(pending)
            copied += len(pending)
            pending = []
    if pending:
        target.upsert(pending)
        copied += len(pending)
    target.finish()
    return copied

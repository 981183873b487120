"""The Qdrant Edge backend: Qdrant's engine inside this process, one shard in a directory."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from indexer.errors import IndexNotFoundError
from indexer.store import schema as s
from indexer.store.base import Store
from indexer.store.schema import SearchFilters, SearchRequest, StoredHit, StoredPoint, date_conditions, scored_hits


class EdgeStore(Store):
    """Qdrant Edge shard in ``path`` (created on first use, without a write-ahead log)."""

    def __init__(self, path: Path, dim: int | None = None, *, read_only: bool = False) -> None:
        """Open the shard in ``path``; create it when there is none and ``dim`` is given."""
        import qdrant_edge as qe

        self._qe = qe
        self.path = Path(path)
        self._shard: Any
        if (self.path / "edge_config.json").exists() or _has_segments(self.path):
            self._shard = qe.EdgeShard.load(str(self.path))
            config = self.path / "edge_config.json"
            # an index built before sentence vectors existed still answers (passage vectors only)
            self.has_sentences = not config.exists() or f'"{s.SENTENCES}"' in config.read_text(encoding="utf-8")
        else:
            if dim is None:
                raise IndexNotFoundError(f"no index at {self.path}")
            self.path.mkdir(parents=True, exist_ok=True)
            self._shard = qe.EdgeShard.create(str(self.path), self._config(dim))
            self.has_sentences = True
            kinds = {"keyword": qe.PayloadSchemaType.Keyword, "datetime": qe.PayloadSchemaType.Datetime}
            for name, kind in s.PAYLOAD_INDEXES.items():
                self._shard.update(qe.UpdateOperation.create_field_index(name, kinds[kind]))

    def _config(self, dim: int) -> Any:
        """The schema of :mod:`indexer.store.schema` as an Edge shard configuration."""
        qe = self._qe
        kinds = {
            "distance": qe.Distance.Cosine,
            "multivector": qe.MultiVectorConfig(comparator=qe.MultiVectorComparator.MaxSim),
            "graphless": qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10000),
        }
        vectors = {spec.name: qe.EdgeVectorParams(**s.field_params(spec, dim, **kinds)) for spec in s.DENSE_FIELDS}
        return qe.EdgeConfig(
            vectors=vectors,
            sparse_vectors={name: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf) for name in s.SPARSE_FIELDS},
            # Versions are written once, flushed, then published and never changed again,
            # so no write-ahead log is needed; without one, several readers (the app, the
            # CLI, the next build reusing vectors) may open the same shard at once.
            wal_enabled=False,
        )

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        """Write ``points`` (same id: replaced)."""
        qe = self._qe
        batch = s.engine_points(points, qe.Point, qe.SparseVector, self.has_sentences)
        if batch:
            self._shard.update(qe.UpdateOperation.upsert_points(batch))

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every point of the documents ``doc_ids``."""
        if doc_ids:
            flt = self._filter(SearchFilters(doc_ids=tuple(doc_ids)))
            self._shard.update(self._qe.UpdateOperation.delete_points_by_filter(flt))

    def delete_points(self, point_ids: Sequence[str]) -> None:
        """Remove the points ``point_ids``."""
        if point_ids:
            self._shard.update(self._qe.UpdateOperation.delete_points(list(point_ids)))

    def _filter(self, filters: SearchFilters | None) -> Any:
        qe = self._qe
        if filters is None or filters.is_empty():
            return None
        must: list[Any] = []
        for name, values in filters.keyword_conditions():
            must.append(qe.FieldCondition(key=name, match=qe.MatchAny(list(values))))
        for key, gte, lte in date_conditions(filters):
            must.append(qe.FieldCondition(key=key, range=qe.RangeDateTime(gte=gte, lte=lte)))
        return qe.Filter(must=must)

    def _request(self, request: SearchRequest, with_payload: bool = True) -> Any:
        qe = self._qe
        flt = self._filter(request.filters)
        dense = qe.Query.Nearest([float(x) for x in request.dense], using=s.DENSE)
        sparse = qe.Query.Nearest(
            qe.SparseVector(indices=request.sparse.indices, values=request.sparse.values),
            using=s.SPARSE,
        )
        if request.mode == "dense":
            return qe.QueryRequest(limit=request.limit, query=dense, filter=flt, with_payload=with_payload)
        if request.mode == "sparse":
            return qe.QueryRequest(limit=request.limit, query=sparse, filter=flt, with_payload=with_payload)
        prefetches = [
            qe.Prefetch(limit=request.prefetch_limit, query=dense, filter=flt),
            qe.Prefetch(limit=request.prefetch_limit, query=sparse, filter=flt),
        ]
        return qe.QueryRequest(
            limit=request.limit,
            prefetches=prefetches,
            query=qe.Fusion.Rrf(k=s.RRF_K, weights=[1.0, request.lexical_weight]),
            filter=flt,
            with_payload=with_payload,
        )

    def rescore(self, request: SearchRequest, using: str, with_payload: bool = False) -> list[StoredHit]:
        """The dense and sparse candidates of ``request`` scored by the vector ``using``."""
        qe = self._qe
        flt = self._filter(request.filters)
        vector = [float(x) for x in request.dense]
        prefetches = [qe.Prefetch(limit=request.prefetch_limit, query=qe.Query.Nearest(vector, using=s.DENSE), filter=flt)]
        if request.sparse.indices:
            sparse = qe.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
            prefetches.append(qe.Prefetch(limit=request.prefetch_limit, query=qe.Query.Nearest(sparse, using=s.SPARSE), filter=flt))
        query = qe.Query.Nearest([vector] if using == s.SENTENCES else vector, using=using)
        found = self._shard.query(
            qe.QueryRequest(limit=2 * request.prefetch_limit, prefetches=prefetches, query=query, filter=flt,
                            with_payload=with_payload)
        )
        return scored_hits(found)

    def query(self, request: SearchRequest, with_payload: bool = True) -> list[StoredHit]:
        """One engine query: the dense or sparse list, or both fused by reciprocal rank."""
        return scored_hits(self._shard.query(self._request(request, with_payload)))

    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]:
        """Every point matching ``filters`` (with its vectors when asked), in id order."""
        qe = self._qe
        request = {"limit": 256, "filter": self._filter(filters), "with_payload": True, "with_vector": with_vectors}
        return s.scrolled_hits(lambda offset: self._shard.scroll(qe.ScrollRequest(offset=offset, **request)), with_vectors)

    def count(self, filters: SearchFilters | None = None) -> int:
        """How many points match ``filters``."""
        return int(self._shard.count(self._qe.CountRequest(filter=self._filter(filters), exact=True)))

    def payloads(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The payloads of the points ``ids``."""
        return {str(r.id): dict(r.payload or {}) for r in self._shard.retrieve(list(ids), True, False)} if ids else {}

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]:
        """The stored sentence vectors of the points ``ids`` (none from an index without them)."""
        if not ids or not self.has_sentences:
            return {}
        return s.sentence_vectors_of(self._shard.retrieve(list(ids), False, [s.SENTENCES]))

    def finish(self) -> None:
        """Build the HNSW index and flush the shard."""
        self._shard.optimize()
        self._shard.flush()

    def close(self) -> None:
        """Close the shard (a second close does nothing)."""
        if self._shard is not None:
            self._shard.close()
            self._shard = None


def _has_segments(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())

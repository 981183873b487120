"""The server backend: a collection on a Qdrant server through ``qdrant-client``.

Also usable with ``QdrantClient(":memory:")``, which speaks the server's API (tests).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from typing import Any

from indexer.errors import IndexNotFoundError
from indexer.store import schema as s
from indexer.store.aliases import live_collection
from indexer.store.base import Store
from indexer.store.schema import SearchFilters, SearchRequest, StoredHit, StoredPoint, date_conditions, scored_hits


class ClientStore(Store):
    """A collection on a Qdrant server (or ``QdrantClient(":memory:")``) with the same schema."""

    def __init__(self, client: Any, collection: str, dim: int | None = None, layout: dict[str, int] | None = None) -> None:
        """Open ``collection``; create it when ``dim`` is given, with ``layout`` (``shard_number``,
        ``replication_factor``, ``write_consistency_factor``) for a cluster."""
        from qdrant_client import models

        self._m = models
        self.client = client
        self.collection = collection
        self.has_sentences = True
        # An alias counts as existing (servers may answer "exists" only for real collections).
        if live_collection(client, collection) is None:
            if dim is None:
                raise IndexNotFoundError(f"no collection '{collection}' on the Qdrant server")
            self._create(dim, layout)
        else:
            vectors = client.get_collection(collection).config.params.vectors
            self.has_sentences = isinstance(vectors, dict) and s.SENTENCES in vectors

    def _create(self, dim: int, layout: dict[str, int] | None) -> None:
        """Create the collection with the schema of :mod:`indexer.store.schema`."""
        models = self._m
        kinds = {
            "distance": models.Distance.COSINE,
            "multivector": models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
            "graphless": models.HnswConfigDiff(m=0),
        }
        vectors = {spec.name: models.VectorParams(**s.field_params(spec, dim, **kinds)) for spec in s.DENSE_FIELDS}
        self.client.create_collection(
            self.collection,
            vectors_config=vectors,
            sparse_vectors_config={name: models.SparseVectorParams(modifier=models.Modifier.IDF) for name in s.SPARSE_FIELDS},
            **{k: v for k, v in (layout or {}).items() if v},
        )
        kinds = {"keyword": models.PayloadSchemaType.KEYWORD, "datetime": models.PayloadSchemaType.DATETIME}
        with warnings.catch_warnings():
            # qdrant-client's local mode ignores payload indexes and says so; servers use them.
            warnings.simplefilter("ignore", UserWarning)
            for name, kind in s.PAYLOAD_INDEXES.items():
                self.client.create_payload_index(self.collection, name, kinds[kind])

    @classmethod
    def connect(cls, url: str, api_key: str | None, collection: str, dim: int | None = None) -> ClientStore:
        """Open (or create, when ``dim`` is given) ``collection`` on the server at ``url``."""
        from qdrant_client import QdrantClient

        client = QdrantClient(url=url, api_key=api_key) if url != ":memory:" else QdrantClient(":memory:")
        return cls(client, collection, dim)

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        """Write ``points`` (same id: replaced)."""
        m = self._m
        batch = s.engine_points(points, m.PointStruct, m.SparseVector, self.has_sentences)
        if batch:
            self.client.upsert(self.collection, points=batch, wait=True)

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Remove every point of the documents ``doc_ids``."""
        if doc_ids:
            selector = self._m.FilterSelector(filter=self._filter(SearchFilters(doc_ids=tuple(doc_ids))))
            self.client.delete(self.collection, points_selector=selector, wait=True)

    def delete_points(self, point_ids: Sequence[str]) -> None:
        """Remove the points ``point_ids``."""
        if point_ids:
            selector = self._m.PointIdsList(points=list(point_ids))
            self.client.delete(self.collection, points_selector=selector, wait=True)

    def _filter(self, filters: SearchFilters | None) -> Any:
        m = self._m
        if filters is None or filters.is_empty():
            return None
        must: list[Any] = [
            m.FieldCondition(key=name, match=m.MatchAny(any=list(values)))
            for name, values in filters.keyword_conditions()
        ]
        for key, gte, lte in date_conditions(filters):
            must.append(m.FieldCondition(key=key, range=m.DatetimeRange(gte=gte, lte=lte)))
        return m.Filter(must=must)

    def _query_kwargs(self, request: SearchRequest) -> dict[str, Any]:
        m = self._m
        flt = self._filter(request.filters)
        sparse = m.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
        dense = [float(x) for x in request.dense]
        if request.mode == "dense":
            return {"query": dense, "using": s.DENSE, "query_filter": flt, "limit": request.limit}
        if request.mode == "sparse":
            return {"query": sparse, "using": s.SPARSE, "query_filter": flt, "limit": request.limit}
        return {
            "prefetch": [
                m.Prefetch(query=dense, using=s.DENSE, limit=request.prefetch_limit, filter=flt),
                m.Prefetch(query=sparse, using=s.SPARSE, limit=request.prefetch_limit, filter=flt),
            ],
            "query": m.RrfQuery(rrf=m.Rrf(k=s.RRF_K, weights=[1.0, request.lexical_weight])),
            "query_filter": flt,
            "limit": request.limit,
        }

    def rescore(self, request: SearchRequest, using: str, with_payload: bool = False) -> list[StoredHit]:
        """The dense and sparse candidates of ``request`` scored by the vector ``using``."""
        m = self._m
        flt = self._filter(request.filters)
        vector = [float(x) for x in request.dense]
        prefetch = [m.Prefetch(query=vector, using=s.DENSE, limit=request.prefetch_limit, filter=flt)]
        if request.sparse.indices:
            sparse = m.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
            prefetch.append(m.Prefetch(query=sparse, using=s.SPARSE, limit=request.prefetch_limit, filter=flt))
        response = self.client.query_points(
            self.collection, prefetch=prefetch, query=[vector] if using == s.SENTENCES else vector, using=using,
            query_filter=flt, limit=2 * request.prefetch_limit, with_payload=with_payload,
        )
        return scored_hits(response.points)

    def query(self, request: SearchRequest, with_payload: bool = True) -> list[StoredHit]:
        """One engine query: the dense or sparse list, or both fused by reciprocal rank."""
        response = self.client.query_points(
            self.collection, with_payload=with_payload, **self._query_kwargs(request)
        )
        return scored_hits(response.points)

    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]:
        """Every point matching ``filters`` (with its vectors when asked), in id order."""
        flt = self._filter(filters)

        def page(offset: Any) -> tuple[Sequence[Any], Any]:
            return self.client.scroll(self.collection, scroll_filter=flt, limit=256, offset=offset, with_payload=True, with_vectors=with_vectors)

        return s.scrolled_hits(page, with_vectors)

    def count(self, filters: SearchFilters | None = None) -> int:
        """How many points match ``filters``."""
        return int(self.client.count(self.collection, count_filter=self._filter(filters), exact=True).count)

    def payloads(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The payloads of the points ``ids``."""
        if not ids:
            return {}
        records = self.client.retrieve(self.collection, ids=list(ids), with_payload=True, with_vectors=False)
        return {str(r.id): dict(r.payload or {}) for r in records}

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]:
        """The stored sentence vectors of the points ``ids`` (none from a collection without them)."""
        if not ids or not self.has_sentences:
            return {}
        return s.sentence_vectors_of(self.client.retrieve(self.collection, ids=list(ids), with_payload=False, with_vectors=[s.SENTENCES]))

    def finish(self) -> None:
        """Nothing to do: the server indexes and persists as it goes."""

    def close(self) -> None:
        """Close the client's connection."""
        self.client.close()

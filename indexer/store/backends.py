"""The vector store: one interface, two backends with the same schema.

* :class:`EdgeStore` — Qdrant Edge, Qdrant's engine inside this process, in a directory
  (the default: no server to run).
* :class:`ClientStore` — a collection on a Qdrant server through ``qdrant-client``
  (``QDRANT_URL``), also usable with ``QdrantClient(":memory:")`` in tests.

Schema: a named dense vector ``dense`` (cosine), a named multivector ``sentences`` (one
vector per sentence, compared by MaxSim: the best sentence's cosine; no HNSW graph, it only
rescores candidates) and a named sparse vector ``sparse`` with Qdrant's IDF modifier; the
payload carries the passage text and its document metadata. Hybrid search takes candidates
from the dense and sparse lists, scores them by passage, best sentence and BM25, and fuses the
three by normalised score (:mod:`indexer.store.fusion`); reciprocal rank fusion stays available.
"""

from __future__ import annotations

import logging
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal, Protocol

from indexer.text.analyzer import SparseTerms
from indexer.store.fusion import SENTENCE_SHARE, fuse

logger = logging.getLogger(__name__)

DENSE = "dense"
SPARSE = "sparse"
SENTENCES = "sentences"
STORE_SCHEMA = "dense+sentences+sparse-3"  # in the build fingerprint: a new schema rebuilds
RRF_K = 60
KEYWORD_FIELDS = ("doc_id", "type", "kind", "topics", "organisations")
DATE_FIELD = "date"
_POINT_NAMESPACE = uuid.UUID("6f1c2b1e-3d5a-4b8e-9a57-0c4e2f7d9b10")

SearchMode = Literal["hybrid", "dense", "sparse"]
FusionMethod = Literal["score", "rrf"]


def point_id(content_hash: str, chunk_no: int, kind: str = "passage") -> str:
    """Deterministic point id: the same document content and chunk number give the same id."""
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{content_hash}:{kind}:{chunk_no}"))


@dataclass(frozen=True)
class StoredPoint:
    """One point to write: id, its vectors and the payload (no sentence vectors: the passage's)."""

    id: str
    dense: Sequence[float]
    sparse: SparseTerms
    payload: dict[str, Any]
    sentences: Sequence[Sequence[float]] = ()


@dataclass(frozen=True)
class StoredHit:
    """One search result as the store returns it."""

    id: str
    score: float
    payload: dict[str, Any]
    dense: Sequence[float] | None = None
    sparse: SparseTerms | None = None
    sentences: Sequence[Sequence[float]] | None = None


@dataclass(frozen=True)
class SearchFilters:
    """Optional restrictions on a search; empty fields restrict nothing."""

    date_from: str | None = None
    date_to: str | None = None
    types: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not any(
            (self.date_from, self.date_to, self.types, self.doc_ids, self.kinds, self.topics,
             self.organisations)
        )

    def keyword_conditions(self) -> list[tuple[str, tuple[str, ...]]]:
        return [
            (name, values)
            for name, values in (
                ("type", self.types),
                ("doc_id", self.doc_ids),
                ("kind", self.kinds),
                ("topics", self.topics),
                ("organisations", self.organisations),
            )
            if values
        ]


@dataclass(frozen=True)
class SearchRequest:
    """A search in vector space: the query's dense and sparse vectors and what to return."""

    dense: Sequence[float]
    sparse: SparseTerms
    limit: int = 10
    mode: SearchMode = "hybrid"
    filters: SearchFilters = field(default_factory=SearchFilters)
    prefetch_limit: int = 50
    lexical_weight: float = 1.0  # weight of the sparse list in the fusion (dense has 1.0)
    fusion: FusionMethod = "score"
    sentence_share: float = SENTENCE_SHARE  # 0: the passage vector alone stands for the passage


class Store(Protocol):
    """What the indexer and the assistant need from a vector store."""

    def upsert(self, points: Sequence[StoredPoint]) -> None: ...

    def delete_documents(self, doc_ids: Sequence[str]) -> None: ...

    def delete_points(self, point_ids: Sequence[str]) -> None: ...

    def search(self, request: SearchRequest) -> list[StoredHit]: ...

    def search_batch(self, requests: Sequence[SearchRequest]) -> list[list[StoredHit]]: ...

    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]: ...

    def count(self, filters: SearchFilters | None = None) -> int: ...

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]: ...

    def finish(self) -> None: ...

    def close(self) -> None: ...


def _iso(date: str, end: bool) -> str:
    """``2011`` / ``2011-07`` / ``2011-07-27`` as an RFC 3339 bound (inclusive at either end)."""
    parts = date.split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    if len(parts) > 2:
        day = int(parts[2])
    elif end:
        import calendar

        day = calendar.monthrange(year, month)[1]
    else:
        day = 1
    clock = "23:59:59" if end else "00:00:00"
    return f"{year:04d}-{month:02d}-{day:02d}T{clock}Z"


# --------------------------------------------------------------------------- Qdrant Edge


class EdgeStore:
    """Qdrant Edge shard in ``path`` (created on first use, without a write-ahead log)."""

    def __init__(self, path: Path, dim: int | None = None, *, read_only: bool = False) -> None:
        import qdrant_edge as qe

        self._qe = qe
        self.path = Path(path)
        if (self.path / "edge_config.json").exists() or _has_segments(self.path):
            self._shard = qe.EdgeShard.load(str(self.path))
            config = self.path / "edge_config.json"
            # an index built before sentence vectors existed still answers (passage vectors only)
            self.has_sentences = not config.exists() or f'"{SENTENCES}"' in config.read_text(encoding="utf-8")
        else:
            if dim is None:
                raise FileNotFoundError(f"no index at {self.path}")
            self.path.mkdir(parents=True, exist_ok=True)
            config = qe.EdgeConfig(
                vectors={
                    DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine),
                    SENTENCES: qe.EdgeVectorParams(
                        size=dim,
                        distance=qe.Distance.Cosine,
                        multivector_config=qe.MultiVectorConfig(comparator=qe.MultiVectorComparator.MaxSim),
                        hnsw_config=qe.HnswIndexConfig(m=0, ef_construct=100, full_scan_threshold=10000),
                        on_disk=True,  # read for a hundred candidates a query: no need to hold them in memory
                    ),
                },
                sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
                # Versions are written once, flushed, then published and never changed again,
                # so no write-ahead log is needed; without one, several readers (the app, the
                # CLI, the next build reusing vectors) may open the same shard at once.
                wal_enabled=False,
            )
            self._shard = qe.EdgeShard.create(str(self.path), config)
            self.has_sentences = True
            for name in KEYWORD_FIELDS:
                self._shard.update(
                    qe.UpdateOperation.create_field_index(name, qe.PayloadSchemaType.Keyword)
                )
            self._shard.update(
                qe.UpdateOperation.create_field_index(DATE_FIELD, qe.PayloadSchemaType.Datetime)
            )

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        qe = self._qe
        batch = [
            qe.Point(
                id=p.id,
                vector={
                    DENSE: [float(x) for x in p.dense],
                    SPARSE: qe.SparseVector(indices=p.sparse.indices, values=p.sparse.values),
                    **({SENTENCES: _sentence_rows(p)} if self.has_sentences else {}),
                },
                payload=p.payload,
            )
            for p in points
        ]
        if batch:
            self._shard.update(qe.UpdateOperation.upsert_points(batch))

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            flt = self._filter(SearchFilters(doc_ids=tuple(doc_ids)))
            self._shard.update(self._qe.UpdateOperation.delete_points_by_filter(flt))

    def delete_points(self, point_ids: Sequence[str]) -> None:
        if point_ids:
            self._shard.update(self._qe.UpdateOperation.delete_points(list(point_ids)))

    def _filter(self, filters: SearchFilters | None) -> Any:
        qe = self._qe
        if filters is None or filters.is_empty():
            return None
        must: list[Any] = []
        for name, values in filters.keyword_conditions():
            must.append(qe.FieldCondition(key=name, match=qe.MatchAny(list(values))))
        if filters.date_from or filters.date_to:
            must.append(
                qe.FieldCondition(
                    key=DATE_FIELD,
                    range=qe.RangeDateTime(
                        gte=_iso(filters.date_from, end=False) if filters.date_from else None,
                        lte=_iso(filters.date_to, end=True) if filters.date_to else None,
                    ),
                )
            )
        return qe.Filter(must=must)

    def _query(self, request: SearchRequest, with_payload: bool = True) -> Any:
        qe = self._qe
        flt = self._filter(request.filters)
        dense = qe.Query.Nearest([float(x) for x in request.dense], using=DENSE)
        sparse = qe.Query.Nearest(
            qe.SparseVector(indices=request.sparse.indices, values=request.sparse.values),
            using=SPARSE,
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
            query=qe.Fusion.Rrf(k=RRF_K, weights=[1.0, request.lexical_weight]),
            filter=flt,
            with_payload=with_payload,
        )

    def _rescored(self, request: SearchRequest, using: str, with_payload: bool) -> list[StoredHit]:
        """The dense and sparse candidates of ``request`` scored by the vector ``using``."""
        qe = self._qe
        flt = self._filter(request.filters)
        vector = [float(x) for x in request.dense]
        prefetches = [qe.Prefetch(limit=request.prefetch_limit, query=qe.Query.Nearest(vector, using=DENSE), filter=flt)]
        if request.sparse.indices:
            sparse = qe.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
            prefetches.append(qe.Prefetch(limit=request.prefetch_limit, query=qe.Query.Nearest(sparse, using=SPARSE), filter=flt))
        query = qe.Query.Nearest([vector] if using == SENTENCES else vector, using=using)
        found = self._shard.query(
            qe.QueryRequest(limit=2 * request.prefetch_limit, prefetches=prefetches, query=query, filter=flt,
                            with_payload=with_payload)
        )
        return [StoredHit(str(p.id), float(p.score), dict(p.payload or {})) for p in found]

    def _run(self, request: SearchRequest, with_payload: bool = True) -> list[StoredHit]:
        found = self._shard.query(self._query(request, with_payload))
        return [StoredHit(str(p.id), float(p.score), dict(p.payload or {})) for p in found]

    def search(self, request: SearchRequest) -> list[StoredHit]:
        if request.mode == "sparse" and not request.sparse.indices:
            return []
        if request.mode == "hybrid" and request.fusion == "score":
            return fused_search(self, request)
        return self._run(request)

    def search_batch(self, requests: Sequence[SearchRequest]) -> list[list[StoredHit]]:
        return [self.search(r) for r in requests]

    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]:
        qe = self._qe
        offset = None
        while True:
            records, offset = self._shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=256,
                    filter=self._filter(filters),
                    with_payload=True,
                    with_vector=with_vectors,
                )
            )
            for record in records:
                yield _hit_from_record(record, with_vectors)
            if offset is None:
                return

    def count(self, filters: SearchFilters | None = None) -> int:
        return int(self._shard.count(self._qe.CountRequest(filter=self._filter(filters), exact=True)))

    def _payloads(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        return {str(r.id): dict(r.payload or {}) for r in self._shard.retrieve(list(ids), True, False)} if ids else {}

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]:
        """The stored sentence vectors of the points ``ids`` (none from an index without them)."""
        if not ids or not self.has_sentences:
            return {}
        records = self._shard.retrieve(list(ids), False, [SENTENCES])
        return {str(r.id): r.vector[SENTENCES] for r in records if isinstance(r.vector, dict) and SENTENCES in r.vector}

    def finish(self) -> None:
        self._shard.optimize()
        self._shard.flush()

    def close(self) -> None:
        if self._shard is not None:
            self._shard.close()
            self._shard = None


def fused_search(store: Any, request: SearchRequest) -> list[StoredHit]:
    """Hybrid search by score fusion: the candidates of the dense and sparse lists, each scored
    by passage vector, best sentence and BM25, fused by :func:`indexer.store.fusion.fuse`."""
    dense = store._rescored(request, DENSE, with_payload=False)
    if not dense:
        return []
    sentences: list[StoredHit] = []
    if store.has_sentences and request.sentence_share > 0:
        sentences = store._rescored(request, SENTENCES, with_payload=False)
    sparse = store._run(replace(request, mode="sparse", limit=request.prefetch_limit), with_payload=False) if request.sparse.indices else []
    ranked = fuse(
        {h.id: h.score for h in dense},
        {h.id: h.score for h in sentences},
        {h.id: h.score for h in sparse},
        lexical_weight=request.lexical_weight,
        sentence_share=request.sentence_share,
    )[: request.limit]
    payloads = store._payloads([key for key, _ in ranked])  # only the results' payloads are read
    return [StoredHit(key, score, payloads.get(key, {})) for key, score in ranked]


def _sentence_rows(point: StoredPoint) -> list[list[float]]:
    """The point's sentence vectors; a passage without sentences is its own one sentence."""
    rows = [[float(x) for x in row] for row in point.sentences]
    return rows or [[float(x) for x in point.dense]]


def _hit_from_record(record: Any, with_vectors: bool) -> StoredHit:
    """A scrolled record of either backend as a :class:`StoredHit` (vectors when asked)."""
    dense = sparse = sentences = None
    if with_vectors and isinstance(record.vector, dict):
        dense = record.vector.get(DENSE)
        sentences = record.vector.get(SENTENCES)
        raw = record.vector.get(SPARSE)
        if raw is not None:
            sparse = SparseTerms(list(raw.indices), list(raw.values))
    return StoredHit(str(record.id), 0.0, dict(record.payload or {}), dense, sparse, sentences)


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


def _has_segments(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir())


# --------------------------------------------------------------------------- qdrant-client


class ClientStore:
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
                raise FileNotFoundError(f"no collection '{collection}' on the Qdrant server")
            client.create_collection(
                collection,
                vectors_config={
                    DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE),
                    SENTENCES: models.VectorParams(
                        size=dim,
                        distance=models.Distance.COSINE,
                        multivector_config=models.MultiVectorConfig(comparator=models.MultiVectorComparator.MAX_SIM),
                        hnsw_config=models.HnswConfigDiff(m=0),
                        on_disk=True,
                    ),
                },
                sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                **{k: v for k, v in (layout or {}).items() if v},
            )
            with warnings.catch_warnings():
                # qdrant-client's local mode ignores payload indexes and says so; servers use them.
                warnings.simplefilter("ignore", UserWarning)
                for name in KEYWORD_FIELDS:
                    client.create_payload_index(collection, name, models.PayloadSchemaType.KEYWORD)
                client.create_payload_index(collection, DATE_FIELD, models.PayloadSchemaType.DATETIME)
        else:
            vectors = client.get_collection(collection).config.params.vectors
            self.has_sentences = isinstance(vectors, dict) and SENTENCES in vectors

    @classmethod
    def connect(cls, url: str, api_key: str | None, collection: str, dim: int | None = None) -> "ClientStore":
        """Open (or create, when ``dim`` is given) ``collection`` on the server at ``url``."""
        from qdrant_client import QdrantClient

        client = QdrantClient(url=url, api_key=api_key) if url != ":memory:" else QdrantClient(":memory:")
        return cls(client, collection, dim)

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        m = self._m
        batch = [
            m.PointStruct(
                id=p.id,
                vector={
                    DENSE: [float(x) for x in p.dense],
                    SPARSE: m.SparseVector(indices=p.sparse.indices, values=p.sparse.values),
                    **({SENTENCES: _sentence_rows(p)} if self.has_sentences else {}),
                },
                payload=p.payload,
            )
            for p in points
        ]
        if batch:
            self.client.upsert(self.collection, points=batch, wait=True)

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if doc_ids:
            selector = self._m.FilterSelector(filter=self._filter(SearchFilters(doc_ids=tuple(doc_ids))))
            self.client.delete(self.collection, points_selector=selector, wait=True)

    def delete_points(self, point_ids: Sequence[str]) -> None:
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
        if filters.date_from or filters.date_to:
            must.append(
                m.FieldCondition(
                    key=DATE_FIELD,
                    range=m.DatetimeRange(
                        gte=_iso(filters.date_from, end=False) if filters.date_from else None,
                        lte=_iso(filters.date_to, end=True) if filters.date_to else None,
                    ),
                )
            )
        return m.Filter(must=must)

    def _query_kwargs(self, request: SearchRequest) -> dict[str, Any]:
        m = self._m
        flt = self._filter(request.filters)
        sparse = m.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
        dense = [float(x) for x in request.dense]
        if request.mode == "dense":
            return dict(query=dense, using=DENSE, query_filter=flt, limit=request.limit)
        if request.mode == "sparse":
            return dict(query=sparse, using=SPARSE, query_filter=flt, limit=request.limit)
        return dict(
            prefetch=[
                m.Prefetch(query=dense, using=DENSE, limit=request.prefetch_limit, filter=flt),
                m.Prefetch(query=sparse, using=SPARSE, limit=request.prefetch_limit, filter=flt),
            ],
            query=m.RrfQuery(rrf=m.Rrf(k=RRF_K, weights=[1.0, request.lexical_weight])),
            query_filter=flt,
            limit=request.limit,
        )

    def _rescored(self, request: SearchRequest, using: str, with_payload: bool) -> list[StoredHit]:
        """The dense and sparse candidates of ``request`` scored by the vector ``using``."""
        m = self._m
        flt = self._filter(request.filters)
        vector = [float(x) for x in request.dense]
        prefetch = [m.Prefetch(query=vector, using=DENSE, limit=request.prefetch_limit, filter=flt)]
        if request.sparse.indices:
            sparse = m.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
            prefetch.append(m.Prefetch(query=sparse, using=SPARSE, limit=request.prefetch_limit, filter=flt))
        response = self.client.query_points(
            self.collection, prefetch=prefetch, query=[vector] if using == SENTENCES else vector, using=using,
            query_filter=flt, limit=2 * request.prefetch_limit, with_payload=with_payload,
        )
        return [StoredHit(str(p.id), float(p.score), dict(p.payload or {})) for p in response.points]

    def _run(self, request: SearchRequest, with_payload: bool = True) -> list[StoredHit]:
        response = self.client.query_points(
            self.collection, with_payload=with_payload, **self._query_kwargs(request)
        )
        return [StoredHit(str(p.id), float(p.score), dict(p.payload or {})) for p in response.points]

    def search(self, request: SearchRequest) -> list[StoredHit]:
        if request.mode == "sparse" and not request.sparse.indices:
            return []
        if request.mode == "hybrid" and request.fusion == "score":
            return fused_search(self, request)
        return self._run(request)

    def search_batch(self, requests: Sequence[SearchRequest]) -> list[list[StoredHit]]:
        return [self.search(r) for r in requests]

    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]:
        offset = None
        while True:
            records, offset = self.client.scroll(
                self.collection,
                scroll_filter=self._filter(filters),
                limit=256,
                offset=offset,
                with_payload=True,
                with_vectors=with_vectors,
            )
            for record in records:
                yield _hit_from_record(record, with_vectors)
            if offset is None:
                return

    def count(self, filters: SearchFilters | None = None) -> int:
        return int(self.client.count(self.collection, count_filter=self._filter(filters), exact=True).count)

    def _payloads(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not ids:
            return {}
        records = self.client.retrieve(self.collection, ids=list(ids), with_payload=True, with_vectors=False)
        return {str(r.id): dict(r.payload or {}) for r in records}

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]:
        """The stored sentence vectors of the points ``ids`` (none from a collection without them)."""
        if not ids or not self.has_sentences:
            return {}
        records = self.client.retrieve(self.collection, ids=list(ids), with_payload=False, with_vectors=[SENTENCES])
        return {str(r.id): r.vector[SENTENCES] for r in records if isinstance(r.vector, dict) and SENTENCES in r.vector}

    def finish(self) -> None:
        pass

    def close(self) -> None:
        self.client.close()


# --------------------------------------------------------------------------- server versions


def versioned_collection(alias: str, version: str) -> str:
    """Name of the collection one build writes on a server; ``alias`` is switched to it."""
    return f"{alias}__{version}"


def live_collection(client: Any, alias: str) -> str | None:
    """The collection that ``alias`` names on the server: the alias's target, the plain
    collection of that name (indexes written before aliases were used), or ``None``."""
    for item in client.get_aliases().aliases:
        if item.alias_name == alias:
            return item.collection_name
    return alias if client.collection_exists(alias) else None


LAYOUT_FIELDS = ("shard_number", "replication_factor", "write_consistency_factor")


def collection_layout(client: Any, name: str | None) -> dict[str, int]:
    """Shards and replication of an existing collection, so that its successor gets the same
    (a cluster's layout is chosen once, then kept by every build and export)."""
    if not name or not client.collection_exists(name):
        return {}
    params = client.get_collection(name).config.params
    return {k: int(getattr(params, k)) for k in LAYOUT_FIELDS if getattr(params, k, None)}


def switch_alias(client: Any, alias: str, collection: str, drop_old: bool = True) -> str | None:
    """Point ``alias`` at ``collection`` in one atomic alias operation; drop the old target.

    Readers that query ``alias`` see the old collection until the switch and the new one
    after it, never a half-written one. Returns the previous target."""
    from qdrant_client import models

    old = live_collection(client, alias)
    operations: list[Any] = []
    if old == alias:
        # A plain collection holds the name: it must go before the alias can take it (the
        # only moment without an index; later builds switch atomically).
        client.delete_collection(alias)
    elif old is not None:
        operations.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=alias)))
    operations.append(
        models.CreateAliasOperation(create_alias=models.CreateAlias(collection_name=collection, alias_name=alias))
    )
    client.update_collection_aliases(change_aliases_operations=operations)
    if drop_old and old not in (None, alias, collection):
        client.delete_collection(old)
    return old


def drop_unpublished(client: Any, alias: str) -> list[str]:
    """Remove ``alias__*`` collections no alias points to (builds that died before switching)."""
    live = live_collection(client, alias)
    dropped = []
    for item in client.get_collections().collections:
        if item.name.startswith(alias + "__") and item.name != live:
            client.delete_collection(item.name)
            dropped.append(item.name)
    return dropped

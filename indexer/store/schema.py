"""The collection schema, written once, and the plain records every store backend speaks.

Schema: a named dense vector ``dense`` (cosine), a named multivector ``sentences`` (one
vector per sentence, compared by MaxSim: the best sentence's cosine; no HNSW graph, it only
rescores candidates) and a named sparse vector ``sparse`` with Qdrant's IDF modifier; the
payload carries the passage text and its document metadata, with keyword indexes on
:data:`KEYWORD_FIELDS` and datetime indexes on the span of :data:`DATE_FIELD` (:func:`with_date_span`). Each backend translates
:data:`DENSE_FIELDS`, :data:`SPARSE_FIELDS` and :data:`PAYLOAD_INDEXES` into its own API.
"""

from __future__ import annotations

import calendar
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from indexer.store.fusion import SENTENCE_SHARE
from indexer.text.analyzer import SparseTerms

DENSE = "dense"
SPARSE = "sparse"
SENTENCES = "sentences"
STORE_SCHEMA = "dense+sentences+sparse-4"  # in the build fingerprint: a new schema rebuilds
RRF_K = 60
KEYWORD_FIELDS = ("doc_id", "type", "kind", "topics", "organisations")
DATE_FIELD = "date"
# The span a (possibly partial) date covers: "2019" is 2019-01-01 … 2019-12-31. Date filters
# match documents whose span overlaps the asked one, so a 2019 filter finds "2019", "2019-05"
# and "2019-05-03" alike (the payload's "date" stays as written, for display).
DATE_START, DATE_END = "date_start", "date_end"
logger = logging.getLogger(__name__)
_POINT_NAMESPACE = uuid.UUID("6f1c2b1e-3d5a-4b8e-9a57-0c4e2f7d9b10")

SearchMode = Literal["hybrid", "dense", "sparse"]
FusionMethod = Literal["score", "rrf"]
PayloadIndex = Literal["keyword", "datetime"]


@dataclass(frozen=True)
class DenseField:
    """One named dense vector of the collection (cosine distance)."""

    name: str
    multivector: bool = False  # one vector per sentence, compared by MaxSim
    graph: bool = True  # False: no HNSW graph; the vector only rescores candidates
    on_disk: bool = False


DENSE_FIELDS = (
    DenseField(DENSE),
    # read for a hundred candidates a query: no need to hold them in memory
    DenseField(SENTENCES, multivector=True, graph=False, on_disk=True),
)
SPARSE_FIELDS = (SPARSE,)  # each with Qdrant's IDF modifier
PAYLOAD_INDEXES: dict[str, PayloadIndex] = {
    **dict.fromkeys(KEYWORD_FIELDS, "keyword"), DATE_START: "datetime", DATE_END: "datetime",
}


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
        """True when the filters restrict nothing."""
        return not any(
            (self.date_from, self.date_to, self.types, self.doc_ids, self.kinds, self.topics,
             self.organisations)
        )

    def keyword_conditions(self) -> list[tuple[str, tuple[str, ...]]]:
        """The keyword fields to match, each with the values any of which it must hold."""
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


def date_bound(date: str, end: bool) -> str:
    """``2011`` / ``2011-07`` / ``2011-07-27`` as an RFC 3339 bound (inclusive at either end)."""
    parts = date.split("-")
    year = int(parts[0])
    month = int(parts[1]) if len(parts) > 1 else (12 if end else 1)
    if len(parts) > 2:
        day = int(parts[2])
    elif end:
        day = calendar.monthrange(year, month)[1]
    else:
        day = 1
    clock = "23:59:59" if end else "00:00:00"
    return f"{year:04d}-{month:02d}-{day:02d}T{clock}Z"


def engine_points(
    points: Sequence[StoredPoint], point: Callable[..., Any], sparse_vector: Callable[..., Any], with_sentences: bool
) -> list[Any]:
    """``points`` as an engine's point objects (``point(id=, vector=, payload=)``): the named
    vectors and the payload with its date span, written the same way by both backends."""
    return [
        point(id=p.id, vector=point_vectors(p, sparse_vector, with_sentences), payload=with_date_span(p.payload))
        for p in points
    ]


def with_date_span(payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with :data:`DATE_START` / :data:`DATE_END` of its date (none when undated)."""
    date = payload.get(DATE_FIELD)
    try:
        span = {DATE_START: date_bound(date, end=False), DATE_END: date_bound(date, end=True)} if date else {}
    except (ValueError, IndexError):
        logger.warning("unreadable date %r in %s: not filterable", date, payload.get("doc_id"))
        span = {}
    return {**payload, **span}


def date_conditions(filters: SearchFilters) -> list[tuple[str, str | None, str | None]]:
    """(field, gte, lte) conditions for a date range: the document's span overlaps it."""
    out: list[tuple[str, str | None, str | None]] = []
    if filters.date_from:
        out.append((DATE_END, date_bound(filters.date_from, end=False), None))
    if filters.date_to:
        out.append((DATE_START, None, date_bound(filters.date_to, end=True)))
    return out


def point_vectors(point: StoredPoint, sparse_vector: Callable[..., Any], with_sentences: bool) -> dict[str, Any]:
    """The point's named vectors for a backend whose sparse vector type is ``sparse_vector``;
    a passage without sentence vectors is its own one sentence."""
    dense = [float(x) for x in point.dense]
    vectors = {DENSE: dense, SPARSE: sparse_vector(indices=point.sparse.indices, values=point.sparse.values)}
    if with_sentences:
        vectors[SENTENCES] = [[float(x) for x in row] for row in point.sentences] or [dense]
    return vectors


def field_params(spec: DenseField, dim: int, *, distance: Any, multivector: Any, graphless: Any) -> dict[str, Any]:
    """The parameters of the dense field ``spec`` in a backend's own types: its cosine
    ``distance``, its MaxSim ``multivector`` config and its no-graph ``graphless`` HNSW config."""
    params: dict[str, Any] = {"size": dim, "distance": distance}
    if spec.multivector:
        params["multivector_config"] = multivector
    if not spec.graph:
        params["hnsw_config"] = graphless
    if spec.on_disk:
        params["on_disk"] = True
    return params


def scrolled_hits(page: Callable[[Any], tuple[Sequence[Any], Any]], with_vectors: bool) -> Iterator[StoredHit]:
    """Every record of a scroll that ``page(offset)`` reads a page of (records, next offset) at a time."""
    offset = None
    while True:
        records, offset = page(offset)
        for record in records:
            yield hit_from_record(record, with_vectors)
        if offset is None:
            return


def sentence_vectors_of(records: Sequence[Any]) -> dict[str, list[list[float]]]:
    """The sentence vectors of retrieved records of either backend, by point id."""
    return {str(r.id): r.vector[SENTENCES] for r in records if isinstance(r.vector, dict) and SENTENCES in r.vector}


def hit_from_record(record: Any, with_vectors: bool) -> StoredHit:
    """A scrolled record of either backend as a :class:`StoredHit` (vectors when asked)."""
    dense = sparse = sentences = None
    if with_vectors and isinstance(record.vector, dict):
        dense = record.vector.get(DENSE)
        sentences = record.vector.get(SENTENCES)
        raw = record.vector.get(SPARSE)
        if raw is not None:
            sparse = SparseTerms(list(raw.indices), list(raw.values))
    return StoredHit(str(record.id), 0.0, dict(record.payload or {}), dense, sparse, sentences)


def scored_hits(points: Any) -> list[StoredHit]:
    """Scored points of either backend's query answer as :class:`StoredHit` (payload if read)."""
    return [StoredHit(str(p.id), float(p.score), dict(p.payload or {})) for p in points]

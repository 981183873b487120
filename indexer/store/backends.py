"""Former home of the store; its names now live in schema, base, edge, server and aliases.

TODO(answer-rewrite): only assistant/answer/* and eval/ still import from here; they should
import from :mod:`indexer.store.schema` / :mod:`indexer.store.base`, then this module goes.
"""

from indexer.store.aliases import (
    collection_layout,
    drop_unpublished,
    live_collection,
    switch_alias,
    versioned_collection,
)
from indexer.store.base import Store, copy_points
from indexer.store.edge import EdgeStore
from indexer.store.schema import (
    DATE_FIELD,
    DENSE,
    KEYWORD_FIELDS,
    SENTENCES,
    SPARSE,
    STORE_SCHEMA,
    FusionMethod,
    SearchFilters,
    SearchMode,
    SearchRequest,
    StoredHit,
    StoredPoint,
    point_id,
)
from indexer.store.server import ClientStore

__all__ = [
    "DATE_FIELD", "DENSE", "KEYWORD_FIELDS", "SENTENCES", "SPARSE", "STORE_SCHEMA", "ClientStore", "EdgeStore",
    "FusionMethod", "SearchFilters", "SearchMode", "SearchRequest", "Store", "StoredHit", "StoredPoint",
    "collection_layout", "copy_points", "drop_unpublished", "live_collection", "point_id", "switch_alias",
    "versioned_collection",
]

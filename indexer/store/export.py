"""Copy the embedded index into a Qdrant server collection (scale-out without re-embedding).

The points go into a new collection ``NAME__<version>``; then the alias ``NAME`` is switched
to it in one atomic operation, so applications querying ``NAME`` never see a half-copied
collection, and exporting again replaces the collection the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from indexer.errors import IndexNotFoundError
from indexer.settings import Settings
from indexer.store.aliases import (
    collection_layout,
    live_collection,
    switch_alias,
    versioned_collection,
)
from indexer.store.base import copy_points
from indexer.store.server import ClientStore
from indexer.versions import LiveStore, read_manifest

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote: how many points into which collection, under which alias."""

    points: int
    alias: str
    collection: str
    replaced: str | None


def export_index(
    settings: Settings,
    client: Any,
    alias: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    layout: dict[str, int] | None = None,
) -> ExportReport:
    """Copy every point of the live Edge index into ``client`` under the alias ``alias``.

    ``layout``: shards and replication of the new collection (``shard_number``,
    ``replication_factor``, ``write_consistency_factor``); by default those of the collection
    the alias points to now, else the server's defaults."""
    alias = alias or settings.collection
    manifest = read_manifest(settings.index_dir)
    if manifest is None or manifest.backend != "edge":
        raise IndexNotFoundError(f"no embedded index in {settings.index_dir} to export: run `python -m indexer build` first")
    source = LiveStore(settings.index_dir)
    name = versioned_collection(alias, source.version or manifest.version)
    try:
        if client.collection_exists(name):
            client.delete_collection(name)  # a previous export of this version that died midway
        layout = layout or collection_layout(client, live_collection(client, alias))
        target = ClientStore(client, name, manifest.dim, layout)
        total = source.count()
        copied = copy_points(source, target)
        if progress:
            progress("export", copied, total)
        if target.count() != total:
            raise RuntimeError(f"exported {target.count()} of {total} points into {name}; the alias was not switched")
    except BaseException:
        if client.collection_exists(name):
            client.delete_collection(name)
        raise
    finally:
        source.close()
    replaced = switch_alias(client, alias, name)
    logger.info("exported %d points into %s (alias %s)", copied, name, alias)
    return ExportReport(copied, alias, name, replaced)

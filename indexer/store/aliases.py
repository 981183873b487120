"""Versions on a Qdrant server: each build writes its own collection, an alias names the live one."""

from __future__ import annotations

from typing import Any


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

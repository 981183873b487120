"""What a build's output depends on: the fingerprint of the settings and code, and document keys.

A different fingerprint re-derives every document; a different document key re-derives one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from indexer import passages as prep
from indexer.documents.metadata import ManifestEntry
from indexer.settings import Settings
from indexer.store.schema import STORE_SCHEMA
from indexer.text import analyzer


def fingerprint(settings: Settings) -> dict[str, Any]:
    """Everything that changes what a build writes; a different fingerprint forces a rebuild."""
    return {
        "embedding_model": settings.embedding_model,
        "query_prompt": settings.query_prompt,
        "passage_prompt": settings.passage_prompt,
        "analyzer": analyzer.ANALYZER_VERSION,
        "documents": prep.PIPELINE_VERSION,
        "store": STORE_SCHEMA,
    }


def fingerprint_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    """One line naming what differs between two fingerprints."""
    parts = [f"{key}: {old.get(key)!r} -> {new.get(key)!r}" for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return "; ".join(parts)


def document_key(digest_hex: str, path: Path, entry: ManifestEntry | None, removed: tuple[int, ...] = ()) -> str:
    """Everything a document's points depend on besides the fingerprint: its bytes, its curated
    metadata, where it lives (title from the file name, ``source``) and the lines the corpus
    pass removes from it (:mod:`indexer.documents.boilerplate`)."""
    return digest({
        "content": digest_hex,
        "entry": asdict(entry) if entry else None,
        "name": path.name,
        "source": prep.source_of(path),  # what describe() stores as the payload's "source"
        **({"removed_lines": list(removed)} if removed else {}),
    })


def digest(data: dict[str, Any]) -> str:
    """Short stable hash of a JSON-able dict (used to show fingerprints)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:12]

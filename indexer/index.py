"""The index directory: versions built side by side, a manifest each, and a pointer to the live one.

Layout::

    <index_dir>/CURRENT              name of the live version (replaced atomically)
    <index_dir>/versions/<name>/     one build: ``shard/`` (Qdrant Edge) and ``index.json``
    <index_dir>/build.lock           held while a build runs

A build writes a new version and only then swaps ``CURRENT``, so a crash or Ctrl-C mid-build
leaves the previous index untouched and readers never see half a build.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from indexer.settings import Settings
from indexer.store import ClientStore, EdgeStore, Store

logger = logging.getLogger(__name__)

MANIFEST = "index.json"
SHARD = "shard"
VOCAB = "vocab.npy"


class IndexNotFound(FileNotFoundError):
    """There is no built index where the settings point."""


class BuildLocked(RuntimeError):
    """Another build holds the index's lock."""


@dataclass
class IndexManifest:
    """What a build recorded about itself: fingerprint, documents, problems."""

    version: str
    built_at: str
    fingerprint: dict[str, Any]
    dim: int
    bm25: dict[str, float]
    backend: str = "edge"
    collection: str | None = None
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)

    @classmethod
    def read(cls, path: Path) -> "IndexManifest":
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    @property
    def chunk_count(self) -> int:
        return sum(int(doc.get("chunks", 0)) for doc in self.documents.values())


def current_version_dir(index_dir: Path) -> Path | None:
    """The live version's folder, or ``None`` when nothing was built yet."""
    pointer = index_dir / "CURRENT"
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    folder = index_dir / "versions" / name
    return folder if (folder / MANIFEST).is_file() else None


def read_manifest(index_dir: Path) -> IndexManifest | None:
    """The live version's manifest, or ``None`` when there is no index."""
    folder = current_version_dir(index_dir)
    return IndexManifest.read(folder / MANIFEST) if folder else None


def read_vocabulary(index_dir: Path) -> "np.ndarray | None":
    """Sorted term ids present in the live version (to judge how much of a query it knows)."""
    import numpy as np

    folder = current_version_dir(index_dir)
    if folder is None or not (folder / VOCAB).is_file():
        return None
    return np.load(folder / VOCAB)


def write_vocabulary(version_dir: Path, term_ids: "Iterable[int]") -> None:
    import numpy as np

    np.save(version_dir / VOCAB, np.unique(np.fromiter(term_ids, dtype=np.uint32)))


def new_version_dir(index_dir: Path) -> Path:
    """A fresh, empty folder for the next build."""
    name = time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 100000:05d}"
    folder = index_dir / "versions" / name
    folder.mkdir(parents=True)
    return folder


def publish(index_dir: Path, version_dir: Path, manifest: IndexManifest, keep: int = 2) -> None:
    """Write the manifest, then atomically make ``version_dir`` the live version."""
    _write_atomic(version_dir / MANIFEST, manifest.to_json())
    _write_atomic(index_dir / "CURRENT", version_dir.name + "\n")
    _prune(index_dir, keep)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _prune(index_dir: Path, keep: int) -> None:
    """Remove old and abandoned versions, keeping the live one and ``keep - 1`` before it."""
    live = current_version_dir(index_dir)
    versions = sorted((index_dir / "versions").iterdir(), key=lambda p: p.name)
    published = [v for v in versions if (v / MANIFEST).is_file()]
    keep_set = {p.name for p in published[-keep:]}
    if live:
        keep_set.add(live.name)
    for folder in versions:
        if folder.name not in keep_set:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock, or raise :class:`BuildLocked` at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / "build.lock", "a+")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildLocked(
                    f"another build of the index in {index_dir} is running; try again when it ends"
                ) from exc
            raise
        fh.seek(0)
        fh.truncate()
        fh.write(f"{os.getpid()}\n")
        fh.flush()
        yield
    finally:
        fh.close()


def open_store(settings: Settings, *, create_dim: int | None = None, version_dir: Path | None = None) -> Store:
    """Open the configured store: the server collection when ``QDRANT_URL`` is set, else Edge."""
    if settings.qdrant_url:
        return ClientStore.connect(settings.qdrant_url, settings.qdrant_api_key, settings.collection, create_dim)
    folder = version_dir or current_version_dir(settings.index_dir)
    if folder is None:
        raise IndexNotFound(
            f"no index in {settings.index_dir}: run `python -m indexer build` first"
        )
    return EdgeStore(folder / SHARD, create_dim)

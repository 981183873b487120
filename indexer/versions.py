"""The index directory: versions built side by side, a manifest each, and a pointer to the live one.

Layout::

    <index_dir>/CURRENT              name of the live version (replaced atomically)
    <index_dir>/versions/<name>/     one build: ``shard/`` (Qdrant Edge) and ``index.json``
    <index_dir>/build.lock           held while a build runs
    <index_dir>/versions/<name>/readers.lock   shared-locked by every process reading that version

A build writes a new version and only then swaps ``CURRENT``, so a crash or Ctrl-C mid-build
leaves the previous index untouched and readers never see half a build. Readers
(:class:`LiveStore`) notice the swap on their next search and move to the new version; old
versions are removed only when no reader holds them, and folders of builds that never
finished are removed by the next build.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

from indexer.errors import BuildLockedError, IndexNotFoundError, ReadOnlyStoreError
from indexer.settings import Settings
from indexer.store.base import Store
from indexer.store.edge import EdgeStore
from indexer.store.schema import SearchFilters, SearchRequest, StoredHit, StoredPoint
from indexer.store.server import ClientStore

logger = logging.getLogger(__name__)

MANIFEST = "index.json"
SHARD = "shard"
VOCAB = "vocab.npy"
READERS = "readers.lock"


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
    warnings: list[dict[str, str]] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)  # what the build that wrote it did

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)

    @classmethod
    def read(cls, path: Path) -> IndexManifest:
        data = json.loads(path.read_text(encoding="utf-8"))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

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


def read_vocabulary(index_dir: Path) -> np.ndarray | None:
    """Sorted term ids present in the live version (to judge how much of a query it knows)."""
    import numpy as np

    folder = current_version_dir(index_dir)
    if folder is None or not (folder / VOCAB).is_file():
        return None
    return np.load(folder / VOCAB)


def write_vocabulary(version_dir: Path, term_ids: Iterable[int]) -> None:
    import numpy as np

    np.save(version_dir / VOCAB, np.unique(np.fromiter(term_ids, dtype=np.uint32)))


def new_version_dir(index_dir: Path) -> Path:
    """A fresh, empty folder for the next build."""
    # Names sort in creation order (pruning keeps the newest): second, then nanoseconds, then pid.
    now = time.time_ns()
    name = time.strftime("%Y%m%d-%H%M%S", time.localtime(now // 10**9)) + f"-{now % 10**9:09d}-{os.getpid()}"
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
    """Remove old and abandoned versions, keeping the live one and ``keep - 1`` before it.

    A version some process still reads (its ``readers.lock`` is held) is left for a later build."""
    live = current_version_dir(index_dir)
    versions = sorted((index_dir / "versions").iterdir(), key=lambda p: p.name)
    published = [v for v in versions if (v / MANIFEST).is_file()]
    keep_set = {p.name for p in published[-keep:]}
    if live:
        keep_set.add(live.name)
    for folder in versions:
        if folder.name not in keep_set:
            _remove_unless_read(folder)


def remove_abandoned(index_dir: Path) -> list[str]:
    """Remove version folders that no build published (a build killed midway); returns their names.

    Call with the build lock held: then no other build can be writing one of them."""
    versions_dir = index_dir / "versions"
    if not versions_dir.is_dir():
        return []
    live = current_version_dir(index_dir)
    removed = []
    for folder in sorted(versions_dir.iterdir()):
        if folder.is_dir() and not (folder / MANIFEST).is_file() and (live is None or folder != live) and _remove_unless_read(folder):
            removed.append(folder.name)
    if removed:
        logger.info("removed %d unfinished version(s) left by an interrupted build: %s", len(removed), ", ".join(removed))
    return removed


def _remove_unless_read(folder: Path) -> bool:
    """Delete ``folder`` unless a reader holds its lock; True when it is gone."""
    try:
        fh = open(folder / READERS, "a+")  # noqa: SIM115 - held open as a lock until released
    except FileNotFoundError:
        shutil.rmtree(folder, ignore_errors=True)
        return not folder.exists()
    with fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            logger.info("version %s is still being read; it will be removed by a later build", folder.name)
            return False
        shutil.rmtree(folder, ignore_errors=True)
    return not folder.exists()


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock, or raise :class:`BuildLockedError` at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    fh = open(index_dir / "build.lock", "a+")  # noqa: SIM115 - held open as a lock until released
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES):
                raise BuildLockedError(
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
    """Open the configured store: the server collection when ``QDRANT_URL`` is set, else Edge.

    Without ``version_dir`` this is the live index for reading: a :class:`LiveStore` that
    follows ``CURRENT`` (a build finishing meanwhile is picked up on the next search)."""
    if settings.qdrant_url:
        return ClientStore.connect(settings.qdrant_url, settings.qdrant_api_key, settings.collection, create_dim)
    if version_dir is not None:
        return EdgeStore(version_dir / SHARD, create_dim)
    return LiveStore(settings.index_dir)


class _ReaderLease:
    """A shared lock on a version's ``readers.lock``: while held, no build removes the version."""

    def __init__(self, folder: Path) -> None:
        self._fh = open(folder / READERS, "a+")  # noqa: SIM115 - held open as a lock until released
        fcntl.flock(self._fh, fcntl.LOCK_SH)

    def release(self) -> None:
        self._fh.close()


class LiveStore(Store):
    """The live Edge version for readers; follows ``CURRENT`` to each newly published version.

    Every search first compares ``CURRENT``'s inode and mtime with what it saw last (one
    ``stat``); when a build has swapped it, the new version is opened and the old one closed.
    If the new version cannot be opened, searches go on against the old one."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.RLock()
        self._store: EdgeStore | None = None
        self._lease: _ReaderLease | None = None
        self._stamp: tuple[int, int, int] | None = None
        self.version: str | None = None
        self.refresh()
        if self._store is None:
            raise IndexNotFoundError(f"no index in {self.index_dir}: run `python -m indexer build` first")

    def _pointer_stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self.index_dir / "CURRENT")
        except FileNotFoundError:
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def refresh(self) -> bool:
        """Open the live version if ``CURRENT`` changed; True when this store moved to another version."""
        stamp = self._pointer_stamp()
        if stamp is not None and stamp == self._stamp:
            return False
        with self._lock:
            for _ in range(3):  # the version read from CURRENT may be pruned meanwhile: read again
                folder = current_version_dir(self.index_dir)
                if folder is None:
                    return False
                if folder.name == self.version:
                    self._stamp = stamp
                    return False
                try:
                    lease = _ReaderLease(folder)
                except FileNotFoundError:
                    continue
                try:
                    store = EdgeStore(folder / SHARD)
                except Exception as exc:
                    lease.release()
                    if self._store is None:
                        raise
                    logger.warning("cannot open index version %s (%s); still using %s", folder.name, exc, self.version)
                    return False
                old_store, old_lease = self._store, self._lease
                self._store, self._lease, self.version, self._stamp = store, lease, folder.name, stamp
                if old_store is not None:
                    logger.info("index version %s is live; switched from %s", folder.name, old_store.path.parent.name)
                    old_store.close()
                if old_lease is not None:
                    old_lease.release()
                return True
        return False

    @property
    def current(self) -> EdgeStore:
        """The live version's store (moved to a newly published version first)."""
        self.refresh()
        assert self._store is not None
        return self._store

    @property
    def has_sentences(self) -> bool:  # type: ignore[override]
        """Whether the live version stores sentence vectors."""
        return self.current.has_sentences

    def search(self, request: SearchRequest) -> list[StoredHit]:
        """:meth:`Store.search` on the live version, which stays open until it returns."""
        with self._lock:
            return self.current.search(request)

    def search_batch(self, requests: Sequence[SearchRequest]) -> list[list[StoredHit]]:
        """:meth:`Store.search_batch` on the live version."""
        with self._lock:
            return self.current.search_batch(requests)

    def query(self, request: SearchRequest, with_payload: bool = True) -> list[StoredHit]:
        """:meth:`Store.query` on the live version."""
        with self._lock:
            return self.current.query(request, with_payload)

    def rescore(self, request: SearchRequest, using: str, with_payload: bool = False) -> list[StoredHit]:
        """:meth:`Store.rescore` on the live version."""
        with self._lock:
            return self.current.rescore(request, using, with_payload)

    def scroll(self, filters: SearchFilters | None = None, with_vectors: bool = False) -> Iterator[StoredHit]:
        """:meth:`Store.scroll` over the live version."""
        return self.current.scroll(filters, with_vectors)

    def count(self, filters: SearchFilters | None = None) -> int:
        """:meth:`Store.count` on the live version."""
        with self._lock:
            return self.current.count(filters)

    def payloads(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """:meth:`Store.payloads` from the live version."""
        with self._lock:
            return self.current.payloads(ids)

    def sentence_vectors(self, ids: Sequence[str]) -> dict[str, list[list[float]]]:
        """:meth:`Store.sentence_vectors` from the live version."""
        with self._lock:
            return self.current.sentence_vectors(ids)

    def upsert(self, points: Sequence[StoredPoint]) -> None:
        """Refused: the live index is read-only."""
        raise ReadOnlyStoreError("the live index is read-only; builds write a new version")

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        """Refused: the live index is read-only."""
        raise ReadOnlyStoreError("the live index is read-only; builds write a new version")

    def delete_points(self, point_ids: Sequence[str]) -> None:
        """Refused: the live index is read-only."""
        raise ReadOnlyStoreError("the live index is read-only; builds write a new version")

    def finish(self) -> None:
        """Nothing to do: builds finish their own versions."""

    def close(self) -> None:
        """Close the open version and release its reader lease."""
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
            if self._lease is not None:
                self._lease.release()
                self._lease = None

"""Build the index: find files, load, clean, chunk, embed, store — one bad file never stops the rest.

Unchanged documents (same content hash, same fingerprint) reuse the vectors of the live
version instead of being embedded again, so a weekly update costs only what changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer import analyzer, passages as prep
from indexer.analyzer import Bm25Weights
from indexer.index import (
    SHARD,
    IndexManifest,
    build_lock,
    current_version_dir,
    new_version_dir,
    open_store,
    publish,
    read_manifest,
    write_vocabulary,
)
from indexer.loaders import SUPPORTED_SUFFIXES, LoadError, load
from indexer.metadata import MANIFEST_NAME, ManifestEntry, read_manifest as read_corpus_manifest
from indexer.passages import Passage
from indexer.settings import Settings
from indexer.store import EdgeStore, StoredPoint

logger = logging.getLogger(__name__)


Progress = Callable[[str, int, int], None]


@dataclass
class BuildReport:
    """Outcome of a build, for the CLI and the app."""

    version_dir: Path | None
    documents: int = 0
    chunks: int = 0
    embedded: int = 0
    reused: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def fingerprint(settings: Settings) -> dict[str, Any]:
    """Everything that changes what a build writes; a different fingerprint forces a rebuild."""
    return {
        "embedding_model": settings.embedding_model,
        "query_prompt": settings.query_prompt,
        "passage_prompt": settings.passage_prompt,
        "analyzer": analyzer.ANALYZER_VERSION,
        "documents": prep.PIPELINE_VERSION,
    }


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to index under ``paths`` and a list of (path, problem) for what cannot be."""
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.exists():
            problems.append((str(root), "no such file or folder"))
            continue
        if root.is_file():
            candidates: Iterable[Path] = [root]
        else:
            candidates = sorted(_walk(root, problems))
        for path in candidates:
            if path.name == MANIFEST_NAME or path.name.startswith("."):
                continue
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                problems.append((str(path), f"broken or looping link ({exc.__class__.__name__})"))
                continue
            if real in seen:
                continue
            seen.add(real)
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append((str(path), f"unsupported file type '{path.suffix or '(none)'}'"))
                continue
            found.append(path)
    return found, problems


def _walk(root: Path, problems: list[tuple[str, str]]) -> Iterable[Path]:
    def onerror(exc: OSError) -> None:
        problems.append((str(exc.filename), f"cannot list folder ({exc.strerror})"))

    for folder, dirs, files in os.walk(root, onerror=onerror, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            yield Path(folder) / name


def doc_id_for(path: Path, roots: Sequence[Path]) -> str:
    """A stable document id: the path relative to the corpus root it was found under."""
    for root in roots:
        root_dir = root if root.is_dir() else root.parent
        try:
            return path.resolve().relative_to(root_dir.resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def build(
    paths: Sequence[Path],
    settings: Settings,
    progress: Progress | None = None,
) -> BuildReport:
    """Index the documents under ``paths`` into a new version and make it live."""
    from indexer.embeddings import load_embedder

    progress = progress or (lambda stage, done, total: None)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with build_lock(settings.index_dir):
        files, problems = discover(paths)
        report = BuildReport(version_dir=None, errors=list(problems))
        manifests: dict[Path, dict[str, ManifestEntry]] = {}
        passages: list[Passage] = []
        documents: dict[str, dict[str, Any]] = {}
        for i, path in enumerate(files, start=1):
            progress("load", i, len(files))
            folder = path.parent
            if folder not in manifests:
                manifests[folder] = read_corpus_manifest(folder)
            try:
                raw = load(path, settings.max_file_bytes)
            except LoadError as exc:
                report.errors.append((str(path), str(exc)))
                continue
            doc_id = doc_id_for(path, paths)
            meta = prep.describe(raw, manifests[folder].get(path.name))
            doc_passages = prep.passages_of(raw, doc_id, meta)
            if not doc_passages:
                report.errors.append((str(path), "no text left after cleaning"))
                continue
            passages.extend(doc_passages)
            for warning in raw.warnings:
                report.warnings.append((str(path), warning))
            documents[doc_id] = {
                **{k: meta[k] for k in ("title", "date", "type", "source")},
                "content_hash": raw.content_hash,
                "chunks": len(doc_passages),
                "encoding": raw.encoding,
                "warnings": list(raw.warnings),
            }
        timings["load_chunk"] = time.perf_counter() - started

        lexical = [p.lexical_text() for p in passages]
        avg_len = (sum(len(analyzer.terms(t)) for t in lexical) / len(lexical)) if lexical else 1.0
        bm25 = Bm25Weights(avg_len=max(avg_len, 1.0))
        fp = fingerprint(settings)

        t0 = time.perf_counter()
        embedder = load_embedder(settings)
        timings["model_load"] = time.perf_counter() - t0

        reusable = _reusable_vectors(settings, fp, bm25, embedder.dim)
        todo = [i for i, p in enumerate(passages) if p.point_id not in reusable]
        t0 = time.perf_counter()
        vectors: dict[int, Any] = {}
        batch = max(settings.embedding_batch_size, 1) * 4
        for start in range(0, len(todo), batch):
            ids = todo[start : start + batch]
            encoded = embedder.encode_passages(
                [passages[i].embedding_text() for i in ids], batch_size=settings.embedding_batch_size
            )
            vectors.update(zip(ids, encoded))
            progress("embed", min(start + batch, len(todo)), len(todo))
        timings["embed"] = time.perf_counter() - t0
        report.embedded, report.reused = len(todo), len(passages) - len(todo)

        t0 = time.perf_counter()
        version_dir = None if settings.qdrant_url else new_version_dir(settings.index_dir)
        store = open_store(settings, create_dim=embedder.dim, version_dir=version_dir)
        try:
            points = []
            for i, passage in enumerate(passages):
                pid = passage.point_id
                dense = vectors[i] if i in vectors else reusable[pid]
                points.append(StoredPoint(pid, dense, bm25.document(lexical[i]), passage.payload()))
            for start in range(0, len(points), 256):
                store.upsert(points[start : start + 256])
                progress("store", min(start + 256, len(points)), len(points))
            if settings.qdrant_url:
                _drop_stale(store, {p.id for p in points})
            store.finish()
        finally:
            store.close()
        timings["store"] = time.perf_counter() - t0

        manifest = IndexManifest(
            version=version_dir.name if version_dir else time.strftime("%Y%m%d-%H%M%S"),
            built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            fingerprint=fp,
            dim=embedder.dim,
            bm25={"k1": bm25.k1, "b": bm25.b, "avg_len": bm25.avg_len},
            backend="server" if settings.qdrant_url else "edge",
            collection=settings.collection if settings.qdrant_url else None,
            documents=documents,
            errors=[{"path": p, "error": e} for p, e in report.errors],
        )
        if version_dir is None:
            version_dir = new_version_dir(settings.index_dir)
        write_vocabulary(version_dir, (i for p in points for i in p.sparse.indices))
        publish(settings.index_dir, version_dir, manifest)
        report.version_dir = version_dir
        report.documents = len(documents)
        report.chunks = len(passages)
        timings["total"] = time.perf_counter() - started
        report.seconds = timings
        logger.info(
            "indexed %d documents, %d chunks (%d embedded, %d reused) in %.1f s",
            report.documents, report.chunks, report.embedded, report.reused, timings["total"],
        )
        return report


def _reusable_vectors(settings: Settings, fp: dict[str, Any], bm25: Bm25Weights, dim: int) -> dict[str, Any]:
    """Dense vectors of the live version, when it was built with the same fingerprint."""
    if settings.qdrant_url:
        return {}
    previous = read_manifest(settings.index_dir)
    if previous is None:
        return {}
    if previous.fingerprint != fp or previous.dim != dim:
        logger.warning(
            "index settings changed (model, analyzer or chunking): rebuilding every document"
        )
        return {}
    folder = current_version_dir(settings.index_dir)
    try:
        store = EdgeStore(folder / SHARD)
    except Exception as exc:  # an unreadable old version only costs a full re-embed
        logger.warning("cannot reuse the previous index (%s): embedding everything", exc)
        return {}
    try:
        found = {}
        for hit in store.scroll(with_vectors=True):
            if hit.dense is not None:
                found[hit.id] = hit.dense
        return found
    finally:
        store.close()


def _drop_stale(store: Any, keep: set[str]) -> None:
    """Remove points of removed or changed documents from a server collection."""
    store.delete_points([hit.id for hit in store.scroll() if hit.id not in keep])


def digest(data: dict[str, Any]) -> str:
    """Short stable hash of a JSON-able dict (used to show fingerprints)."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]

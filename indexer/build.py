"""Build the index: find files, load, clean, chunk, embed, store — one bad file never stops the rest.

Incremental: the manifest of the live version records each document's content hash and the
inputs of its metadata. A document whose key is unchanged is neither parsed nor embedded: its
points (dense and sparse vectors, payload) are copied from the live version into the new one.
Changed documents are parsed again (their passages still reuse the vectors of passages whose
text did not change), new ones are added, and removed ones are simply not copied. A change of
model, prompts, analyzer or chunking (the fingerprint) re-derives every document.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indexer import passages as prep
from indexer.annotate import topics
from indexer.discovery import discover, doc_id_for
from indexer.documents.boilerplate import CorpusLines, without_lines
from indexer.documents.loaders import (
    LoadError,
    content_hash,
    parse,
    read_bytes,
)
from indexer.documents.metadata import ManifestEntry, title_from_filename
from indexer.documents.metadata import read_manifest as read_corpus_manifest
from indexer.documents.ocr import describe_ocr, ocr_summary, reader_for
from indexer.fingerprint import document_key, fingerprint, fingerprint_change
from indexer.passages import Passage
from indexer.settings import Settings
from indexer.store.aliases import (
    collection_layout,
    drop_unpublished,
    live_collection,
    switch_alias,
    versioned_collection,
)
from indexer.store.base import Store
from indexer.store.edge import EdgeStore
from indexer.store.schema import StoredPoint
from indexer.store.server import ClientStore
from indexer.text import analyzer
from indexer.text.analyzer import Bm25Weights
from indexer.versions import (
    SHARD,
    IndexManifest,
    build_lock,
    current_version_dir,
    new_version_dir,
    publish,
    read_manifest,
    remove_abandoned,
    write_vocabulary,
)

logger = logging.getLogger(__name__)


Progress = Callable[[str, int, int], None]

# How far the corpus's mean passage length may drift before copied sparse vectors (whose BM25
# length normalisation used the old mean) are recomputed from their stored text.
AVG_LEN_DRIFT = 0.25
UPSERT_BATCH = 256


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
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rebuild_reason: str | None = None  # why every document was re-derived, when it was
    cleaned_up: list[str] = field(default_factory=list)  # unfinished versions of killed builds
    ocr: list[tuple[str, str]] = field(default_factory=list)  # (path, "pages 1–3 (tesseract)")

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Plan:
    """What one build does with each document."""

    documents: dict[str, dict[str, Any]] = field(default_factory=dict)  # manifest entries
    passages: list[Passage] = field(default_factory=list)  # of added and changed documents
    lengths: list[int] = field(default_factory=list)  # lexical terms per new passage
    copy_docs: set[str] = field(default_factory=set)  # unchanged: copy their points


def build(
    paths: Sequence[Path],
    settings: Settings,
    progress: Progress | None = None,
    client: Any = None,
) -> BuildReport:
    """Index the documents under ``paths`` into a new version and make it live.

    ``client``: a ``QdrantClient`` to use in server mode instead of connecting to
    ``settings.qdrant_url`` (tests pass ``QdrantClient(":memory:")``)."""
    progress = progress or (lambda stage, done, total: None)
    with build_lock(settings.index_dir):
        cleaned = remove_abandoned(settings.index_dir)
        version_dir = new_version_dir(settings.index_dir)
        target_collection: str | None = None
        server = None
        try:
            if settings.qdrant_url:
                server = client or _connect(settings)
                for name in drop_unpublished(server, settings.collection):
                    cleaned.append(name)
                target_collection = versioned_collection(settings.collection, version_dir.name)
            report = _build(paths, settings, progress, version_dir, server, target_collection)
            report.cleaned_up = cleaned
            return report
        except BaseException:
            # Ctrl-C, SIGTERM or an error: the live version stays as it was; drop our half.
            if current_version_dir(settings.index_dir) != version_dir:
                shutil.rmtree(version_dir, ignore_errors=True)
                if server is not None and target_collection and live_collection(server, settings.collection) != target_collection:
                    try:
                        server.delete_collection(target_collection)
                    except Exception:  # noqa: BLE001 - the server may be what failed
                        logger.warning("could not drop the unfinished collection %s", target_collection)
            raise
        finally:
            if server is not None and client is None:
                server.close()


def _connect(settings: Settings) -> Any:
    from qdrant_client import QdrantClient

    if settings.qdrant_url == ":memory:":
        return QdrantClient(":memory:")
    return QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key)


def _build(
    paths: Sequence[Path],
    settings: Settings,
    progress: Progress,
    version_dir: Path,
    server: Any,
    target_collection: str | None,
) -> BuildReport:
    from indexer.vectors.embeddings import load_embedder

    started = time.perf_counter()
    timings: dict[str, float] = {}
    report = BuildReport(version_dir=None)
    fp = fingerprint(settings)
    previous = read_manifest(settings.index_dir)
    previous_docs: dict[str, dict[str, Any]] = {}
    if previous is not None:
        mode = "server" if server is not None else "edge"
        if previous.fingerprint != fp:
            report.rebuild_reason = (
                "index settings changed (" + fingerprint_change(previous.fingerprint, fp) + "): "
                "every document is read and embedded again"
            )
            logger.warning(report.rebuild_reason)
        elif previous.backend != mode or (mode == "server" and previous.collection != settings.collection):
            report.rebuild_reason = f"the index moved ({previous.backend} -> {mode}): every document is embedded again"
        else:
            previous_docs = previous.documents
    source = _previous_store(settings, server) if previous_docs else None
    if previous_docs and source is None:
        report.rebuild_reason = "the live version cannot be read: every document is embedded again"
        previous_docs = {}

    try:
        plan = _plan(paths, settings, progress, previous_docs, report)
        timings["load_chunk"] = time.perf_counter() - started
        report.removed = sorted(set(previous_docs) - set(plan.documents))
        bm25, resparse = _bm25_for(plan, previous, bool(previous_docs))

        loaded: list[Any] = []

        def embedder() -> Any:
            """The model, loaded on first need (a build where nothing changed never loads it)."""
            if not loaded:
                t0 = time.perf_counter()
                loaded.append(load_embedder(settings))
                timings["model_load"] = time.perf_counter() - t0
            return loaded[0]

        dim = previous.dim if (previous_docs and previous is not None) else embedder().dim
        if server is not None:
            layout = collection_layout(server, live_collection(server, settings.collection))
            assert target_collection is not None  # a server build always names its collection
            target: Store = ClientStore(server, target_collection, dim, layout)
        else:
            target = EdgeStore(version_dir / SHARD, dim)
        terms: list[Any] = []
        try:
            t0 = time.perf_counter()
            copied, known_vectors = 0, dict[str, Any]()
            if source is not None:
                copied, known_vectors = _copy_unchanged(
                    source, target, plan.copy_docs, set(report.changed), bm25 if resparse else None, terms, progress
                )
            timings["copy"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            embedded = _embed_and_store(plan.passages, embedder, settings, bm25, known_vectors, target, terms, progress)
            timings["embed_store"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            target.finish()
            timings["optimize"] = time.perf_counter() - t0
        finally:
            if server is None:  # a ClientStore shares the caller's client: nothing to close
                target.close()
    finally:
        if source is not None and server is None:
            source.close()
    report.embedded = embedded
    report.reused = copied + len(plan.passages) - embedded

    manifest = IndexManifest(
        version=version_dir.name,
        built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        fingerprint=fp,
        dim=dim,
        bm25={"k1": bm25.k1, "b": bm25.b, "avg_len": bm25.avg_len},
        backend="server" if server is not None else "edge",
        collection=settings.collection if server is not None else None,
        documents=plan.documents,
        errors=[{"path": p, "error": e} for p, e in report.errors],
        warnings=[{"path": p, "warning": w} for p, w in report.warnings],
        changes={
            "added": len(report.added),
            "changed": len(report.changed),
            "removed": len(report.removed),
            "unchanged": len(report.unchanged),
            "embedded": report.embedded,
            "reused": report.reused,
            "rebuild_reason": report.rebuild_reason,
        },
    )
    write_vocabulary(version_dir, _flatten(terms))
    if server is not None and target_collection is not None:
        switch_alias(server, settings.collection, target_collection)
    publish(settings.index_dir, version_dir, manifest)
    report.version_dir = version_dir
    report.documents = len(plan.documents)
    report.chunks = sum(int(d["chunks"]) for d in plan.documents.values())
    timings["total"] = time.perf_counter() - started
    report.seconds = timings
    logger.info(
        "indexed %d documents, %d chunks (%d embedded, %d reused) in %.1f s",
        report.documents, report.chunks, report.embedded, report.reused, timings["total"],
    )
    return report


def _plan(
    paths: Sequence[Path],
    settings: Settings,
    progress: Progress,
    previous_docs: dict[str, dict[str, Any]],
    report: BuildReport,
) -> _Plan:
    """Read every file once: unchanged documents are kept as they are, the others parsed."""
    files, problems = discover(paths)
    report.errors.extend(problems)
    plan = _Plan()
    shared = CorpusLines.scan(files, settings.max_file_bytes)  # menus and footers of copied pages
    corpus_manifests: dict[Path, dict[str, ManifestEntry]] = {}
    by_hash: dict[str, str] = {}
    reader = reader_for(settings.ocr, settings.ocr_cache_dir, lambda done, total: progress("ocr", done, total))
    for i, path in enumerate(files, start=1):
        progress("load", i, len(files))
        folder = path.parent
        if folder not in corpus_manifests:
            corpus_manifests[folder] = read_corpus_manifest(folder)
        entry = corpus_manifests[folder].get(path.name)
        try:
            data = read_bytes(path, settings.max_file_bytes)
        except LoadError as exc:
            report.errors.append((str(path), str(exc)))
            continue
        digest_hex = content_hash(data)
        doc_id = doc_id_for(path, paths)
        if digest_hex in by_hash:
            # Same bytes, same point ids: index the content once.
            report.warnings.append((str(path), f"same content as {by_hash[digest_hex]}; indexed once"))
            continue
        by_hash[digest_hex] = doc_id
        removed = shared.removed(path, (entry.title if entry else None, title_from_filename(path)))
        key = document_key(digest_hex, path, entry, removed)
        old = previous_docs.get(doc_id)
        if old is not None and old.get("key") == key and not (old.get("needs_ocr") and reader.engine):
            plan.documents[doc_id] = old
            plan.copy_docs.add(doc_id)
            report.unchanged.append(doc_id)
            continue
        try:
            raw = without_lines(parse(path, data, digest_hex, reader), removed)
            meta = prep.describe(raw, entry)
            doc_passages = prep.passages_of(raw, doc_id, meta, embed_topics=False)  # topics from the stored vectors
        except LoadError as exc:
            report.errors.append((str(path), str(exc)))
            continue
        except Exception as exc:  # a bug or a pathological file must not stop the build
            logger.exception("unexpected failure on %s", path)
            report.errors.append((str(path), f"unexpected error ({type(exc).__name__}: {exc})"))
            continue
        if not doc_passages:
            report.errors.append((str(path), "no text left after cleaning"))
            continue
        lengths = [len(analyzer.terms(p.lexical_text())) for p in doc_passages]
        plan.passages.extend(doc_passages)
        plan.lengths.extend(lengths)
        (report.changed if old is not None else report.added).append(doc_id)
        for warning in raw.warnings:
            report.warnings.append((str(path), warning))
        ocr = ocr_summary(raw)
        if ocr:
            report.ocr.append((str(path), describe_ocr(ocr)))
            logger.info("OCR: %s %s", path.name, report.ocr[-1][1])
        plan.documents[doc_id] = {
            **{k: meta[k] for k in ("title", "date", "type", "source")},
            "content_hash": digest_hex,
            "key": key,
            "chunks": len(doc_passages),
            "terms": sum(lengths),
            "encoding": raw.encoding,
            "warnings": list(raw.warnings),
            "ocr": ocr,
            "needs_ocr": bool(raw.unread_pages) and reader.engine is None,
            **({"guessed": meta["guessed"]} if meta.get("guessed") else {}),
            **({"removed_lines": len(removed)} if removed else {}),
        }
    return plan


def _bm25_for(plan: _Plan, previous: IndexManifest | None, incremental: bool) -> tuple[Bm25Weights, bool]:
    """BM25 weights for this build and whether copied points need their sparse vectors redone.

    The mean passage length is kept from the live version while it stays within
    ``AVG_LEN_DRIFT`` of the new corpus's mean, so copied sparse vectors remain consistent."""
    chunks = sum(int(d["chunks"]) for d in plan.documents.values())
    old_avg = float(previous.bm25.get("avg_len", 60.0)) if previous is not None else 60.0
    total = sum(int(d.get("terms", round(int(d["chunks"]) * old_avg))) for d in plan.documents.values())
    avg = max(total / chunks, 1.0) if chunks else 1.0
    if incremental and previous is not None and abs(avg - old_avg) <= AVG_LEN_DRIFT * old_avg:
        return Bm25Weights(avg_len=old_avg), False
    return Bm25Weights(avg_len=avg), incremental


def _previous_store(settings: Settings, server: Any) -> Store | None:
    """The live version's store, to copy unchanged points from (``None`` when unreadable)."""
    try:
        if server is not None:
            name = live_collection(server, settings.collection)
            return ClientStore(server, name) if name else None
        folder = current_version_dir(settings.index_dir)
        return EdgeStore(folder / SHARD) if folder else None
    except Exception as exc:  # noqa: BLE001 - an unreadable old version only costs a full re-embed
        logger.warning("cannot read the previous index (%s): embedding everything", exc)
        return None


def _copy_unchanged(
    source: Store,
    target: Store,
    keep_docs: set[str],
    changed_docs: set[str],
    resparse: Bm25Weights | None,
    terms: list[Any],
    progress: Progress,
) -> tuple[int, dict[str, Any]]:
    """Copy the points of unchanged documents; collect the vectors of changed ones by text.

    Returns the number of points copied and ``{embedding text hash: (dense, sentence vectors)}`` for the
    passages of changed documents (an edited document re-embeds only its edited passages)."""
    known: dict[str, Any] = {}
    pending: list[StoredPoint] = []
    copied = 0
    total = source.count()
    for seen, hit in enumerate(source.scroll(with_vectors=True), start=1):
        doc_id = hit.payload.get("doc_id")
        if hit.dense is None or hit.sparse is None:
            continue
        if doc_id in keep_docs:
            sparse = hit.sparse
            if resparse is not None:
                sparse = resparse.document(_passage_from_payload(hit.payload).lexical_text())
            pending.append(StoredPoint(hit.id, hit.dense, sparse, hit.payload, hit.sentences or ()))
            terms.append(sparse.indices)
            if len(pending) >= UPSERT_BATCH:
                target.upsert(pending)
                copied += len(pending)
                pending = []
        elif doc_id in changed_docs:
            known[_text_key(_passage_from_payload(hit.payload).embedding_text())] = (hit.dense, hit.sentences or ())
        if seen % UPSERT_BATCH == 0 or seen == total:
            progress("copy", seen, total)
    if pending:
        target.upsert(pending)
        copied += len(pending)
    return copied, known


def _embed_and_store(
    passages: list[Passage],
    embedder: Callable[[], Any],
    settings: Settings,
    bm25: Bm25Weights,
    known_vectors: dict[str, Any],
    target: Store,
    terms: list[Any],
    progress: Progress,
) -> int:
    """Embed the passages that need it (longest first: least padding), each with its sentences
    (the ``sentences`` multivector), and store them all."""
    texts = [p.embedding_text() for p in passages]
    keys = [_text_key(t) for t in texts]
    todo = sorted((i for i, k in enumerate(keys) if k not in known_vectors), key=lambda i: len(texts[i]), reverse=True)
    ready = [i for i, k in enumerate(keys) if k in known_vectors]

    def store(indices: Sequence[int], vectors: Sequence[tuple[Any, Any]]) -> None:
        points = []
        for i, (dense, sentences) in zip(indices, vectors):
            topics.add_vector_topic(passages[i], dense)
            sparse = bm25.document(passages[i].lexical_text())
            terms.append(sparse.indices)
            points.append(StoredPoint(passages[i].point_id, dense, sparse, passages[i].payload(), sentences))
        for start in range(0, len(points), UPSERT_BATCH):
            target.upsert(points[start : start + UPSERT_BATCH])

    for start in range(0, len(ready), UPSERT_BATCH):
        ids = ready[start : start + UPSERT_BATCH]
        store(ids, [known_vectors[keys[i]] for i in ids])
    group = max(settings.embedding_batch_size, 1) * 4
    bf16 = use_bf16()
    if todo:
        progress("embed", 0, len(todo))
    for start in range(0, len(todo), group):
        ids = todo[start : start + group]
        sentences = [passages[i].sentence_texts() for i in ids]
        flat = [texts[i] for i in ids] + [t for own in sentences for t in own]
        vectors = embedder().encode_passages(flat, batch_size=settings.embedding_batch_size, bf16=bf16)
        at = len(ids)
        paired = []
        for n, own in enumerate(sentences):
            paired.append((vectors[n], vectors[at : at + len(own)]))
            at += len(own)
        store(ids, paired)
        progress("embed", min(start + group, len(todo)), len(todo))
    return len(todo)


def use_bf16() -> bool:
    """Whether builds embed passages with bf16 autocast: where the CPU has native bf16 (about
    2x faster, same eval MRR, cosine to fp32 > 0.9999: benchmarks/speed.py). Queries stay fp32."""
    from indexer.vectors.embeddings import cpu_has_fast_bf16

    return cpu_has_fast_bf16()


def _passage_from_payload(payload: dict[str, Any]) -> Passage:
    """A stored point's passage again, to recompute what derives from it (sparse vector, text key)."""
    return Passage(
        doc_id=payload.get("doc_id", ""),
        chunk_no=int(payload.get("chunk_no", 0)),
        content_hash=payload.get("content_hash", ""),
        text=payload.get("text", ""),
        page=payload.get("page"),
        heading_path=tuple(payload.get("heading_path") or ()),
        meta=payload,
        kind=payload.get("kind", "passage"),
    )


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _flatten(arrays: list[Any]) -> Iterator[int]:
    for indices in arrays:
        yield from indices

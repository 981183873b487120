"""One benchmark phase per child process (so each reports its own peak memory):
``python -m benchmarks.phases NAME '{json args}'`` prints one JSON object on its last line."""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np

QUERY_PREFETCH = 50


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _points(data: dict[str, Any], seed: int = 5):
    from benchmarks.synthetic import payload
    from indexer.store.schema import StoredPoint
    from indexer.text.analyzer import SparseTerms

    rng = np.random.default_rng(seed)
    offsets = data["offsets"]
    for i, text in enumerate(data["texts"]):
        a, b = offsets[i], offsets[i + 1]
        sparse = SparseTerms(data["indices"][a:b].tolist(), data["values"][a:b].tolist())
        yield StoredPoint(str(uuid.UUID(int=i + 1)), data["dense"][i].tolist(), sparse, payload(i, text, rng),
                          _sentences(data["dense"][i], rng))


SENTENCES_PER_PASSAGE = 6  # the corpus's passages have 5-13 sentences


def _sentences(dense: np.ndarray, rng: np.random.Generator) -> list[list[float]]:
    """Stand-in sentence vectors: the passage vector with noise (what costs is their number)."""
    rows = dense[None, :] + 0.05 * rng.standard_normal((SENTENCES_PER_PASSAGE, dense.shape[0]))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).tolist()


def _fill(store: Any, data: dict[str, Any], batch: int = 512) -> float:
    started = time.perf_counter()
    pending = []
    for point in _points(data):
        pending.append(point)
        if len(pending) >= batch:
            store.upsert(pending)
            pending = []
    if pending:
        store.upsert(pending)
    return time.perf_counter() - started


def _requests(data: dict[str, Any], filtered: bool, fusion: str = "score") -> list[Any]:
    from indexer.store.schema import SearchFilters, SearchRequest
    from indexer.text.analyzer import SparseTerms

    filters = SearchFilters(date_from="2012", date_to="2022-12-31", types=("minutes", "report")) if filtered else SearchFilters()
    return [
        SearchRequest(
            dense=dense.tolist(), sparse=SparseTerms(*sparse), limit=10, mode="hybrid",
            filters=filters, prefetch_limit=QUERY_PREFETCH, fusion=fusion,
        )
        for dense, sparse in zip(data["query_dense"], data["query_sparse"])
    ]


def _latency(store: Any, requests: list[Any], count: int, warm: int = 10) -> dict[str, float]:
    for request in requests[-warm:]:  # warm caches (queries not timed after)
        store.search(request)
    times = []
    for i in range(count):
        started = time.perf_counter()
        hits = store.search(requests[i % len(requests)])
        times.append((time.perf_counter() - started) * 1000)
        assert hits
    return {"p50_ms": float(np.percentile(times, 50)), "p95_ms": float(np.percentile(times, 95)), "queries": count}


def edge(n: int, cache: str, queries: int) -> dict[str, Any]:
    """Qdrant Edge: upsert n synthetic points, optimize, reopen, measure hybrid query latency.

    The built shard is kept next to the synthetic data (building 100k takes minutes here,
    most of it the HNSW index), so later runs only reopen and query it."""
    from benchmarks.synthetic import load
    from indexer.store.edge import EdgeStore
    from indexer.store.schema import STORE_SCHEMA

    folder = Path(cache) / f"edge-{n}"
    record = folder / "build.json"
    data = load(Path(cache), n)
    cached = record.exists() and json.loads(record.read_text()).get("schema") == STORE_SCHEMA
    if not cached:
        shutil.rmtree(folder, ignore_errors=True)
        store = EdgeStore(folder / "shard", 384)
        upsert = _fill(store, data)
        started = time.perf_counter()
        store.finish()
        optimize = time.perf_counter() - started
        store.close()
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6
        record.write_text(json.dumps({"upsert_pts_s": n / upsert, "optimize_s": optimize, "disk_mb": size,
                                      "build_peak_mb": _peak_mb(), "schema": STORE_SCHEMA}))
    built = json.loads(record.read_text())
    before = _rss_mb()
    store = EdgeStore(folder / "shard")
    hybrid = _latency(store, _requests(data, False), queries)
    filtered = _latency(store, _requests(data, True), queries)
    rrf = _latency(store, _requests(data, False, fusion="rrf"), queries)  # the baseline, same shard and run
    opened = _rss_mb() - before
    count = store.count()
    store.close()
    assert count == n, (count, n)
    return {
        "engine": "edge", "n": n, **built, "cached_build": cached,
        "hybrid": hybrid, "filtered": filtered, "rrf": rrf, "open_rss_mb": opened, "peak_mb": _peak_mb(),
    }


def local(n: int, cache: str, queries: int, filtered_queries: int) -> dict[str, Any]:
    """qdrant-client local mode (in memory, pure Python): same points, same queries."""
    import warnings

    from qdrant_client import QdrantClient

    from benchmarks.synthetic import load
    from indexer.store.server import ClientStore

    warnings.simplefilter("ignore")
    data = load(Path(cache), n)
    before = _rss_mb()
    store = ClientStore(QdrantClient(":memory:"), "bench", 384)
    upsert = _fill(store, data, batch=256)
    hybrid = _latency(store, _requests(data, False), queries, warm=2)
    filtered = _latency(store, _requests(data, True), filtered_queries, warm=1)
    rrf = _latency(store, _requests(data, False, fusion="rrf"), queries, warm=1)
    opened = _rss_mb() - before
    return {
        "engine": "local", "n": n, "upsert_pts_s": n / upsert, "optimize_s": 0.0,
        "hybrid": hybrid, "filtered": filtered, "rrf": rrf, "open_rss_mb": opened, "peak_mb": _peak_mb(),
    }


def indexing(docs: int, paragraphs: int) -> dict[str, Any]:
    """Full pipeline throughput against raw model throughput on the same passages, same process."""
    import random

    from benchmarks.synthetic import corpus_paragraphs
    from indexer import passages as prep
    from indexer.build import build, use_bf16
    from indexer.documents.loaders import load
    from indexer.settings import Settings
    from indexer.vectors.embeddings import load_embedder

    work = Path(tempfile.mkdtemp(prefix="bench-index-"))
    try:
        corpus = work / "docs"
        corpus.mkdir()
        rng = random.Random(3)
        source = corpus_paragraphs()
        for n in range(docs):
            picked = rng.sample(source, min(paragraphs, len(source)))
            body = "\n\n".join(f"{p} (Teczka {n}-{i}.)" for i, p in enumerate(picked))
            (corpus / f"dok-{n:03d}.txt").write_text(f"Notatka nr {n}\n\n{body}\n", encoding="utf-8")
        settings = Settings.from_env(index_dir=work / "idx")
        started = time.perf_counter()
        embedder = load_embedder(settings)
        embedder.encode_passages(["rozgrzewka modelu"])
        model_load = time.perf_counter() - started
        prepared = []
        started = time.perf_counter()
        for path in sorted(corpus.iterdir()):
            raw = load(path, settings.max_file_bytes)
            prepared += prep.passages_of(raw, path.name, prep.describe(raw, None), embed_topics=False)
        prep_seconds = time.perf_counter() - started
        # what the model must embed for the index: every passage and each of its sentences
        texts = [p.embedding_text() for p in prepared] + [t for p in prepared for t in p.sentence_texts()]

        def raw_encode() -> float:
            """Passages a second when the model embeds them and their sentences, nothing else."""
            started = time.perf_counter()
            embedder.encode_passages(texts, batch_size=settings.embedding_batch_size, bf16=use_bf16())
            return len(prepared) / (time.perf_counter() - started)

        raw_before = raw_encode()
        report = build([corpus], settings)
        pipeline_seconds = report.seconds["total"] - report.seconds.get("model_load", 0.0)
        raw_after = raw_encode()
        pipeline = report.chunks / pipeline_seconds
        # Incremental: nothing changed, then one document edited.
        unchanged = build([corpus], settings)
        first = sorted(corpus.iterdir())[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n\nDopisek: nowy akapit o dotacjach.\n", encoding="utf-8")
        edited = build([corpus], settings)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    raw = (raw_before + raw_after) / 2
    return {
        "bf16": use_bf16(),
        "chunks": report.chunks, "documents": report.documents, "model_load_s": model_load,
        "raw_chunks_s": raw, "raw_runs": [raw_before, raw_after], "pipeline_chunks_s": pipeline,
        "ratio": pipeline / raw, "stages": report.seconds, "prep_s": prep_seconds, "texts_embedded": len(texts),
        "rebuild_unchanged_s": unchanged.seconds["total"], "rebuild_one_edit_s": edited.seconds["total"],
        "rebuild_one_edit_embedded": edited.embedded, "peak_mb": _peak_mb(),
    }


def cold_start(index: str) -> dict[str, Any]:
    """What the app pays before its first answer: imports, model load, store open, first query."""
    t0 = time.perf_counter()
    from assistant.retrieval.retriever import Retriever
    from indexer.settings import Settings

    t1 = time.perf_counter()
    retriever = Retriever(Settings.from_env(index_dir=Path(index)))
    _ = retriever.embedder
    t2 = time.perf_counter()
    _ = retriever.store
    t3 = time.perf_counter()
    hits = retriever.search("Krakowskie Forum Lokalowe", k=5)
    t4 = time.perf_counter()
    assert hits
    retriever.close()
    return {
        "import_s": t1 - t0, "model_load_s": t2 - t1, "store_open_s": t3 - t2, "first_query_s": t4 - t3,
        "total_s": t4 - t0, "peak_mb": _peak_mb(),
    }


PHASES = {"edge": edge, "local": local, "indexing": indexing, "cold_start": cold_start}


if __name__ == "__main__":
    name, args = sys.argv[1], json.loads(sys.argv[2])
    result = PHASES[name](**args)
    print(json.dumps(result))

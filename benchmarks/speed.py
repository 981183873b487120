"""``python -m benchmarks speed``: faster CPU embedding, measured on throughput and on quality.

Variants of the same multilingual-e5-small weights, on the same passages, in one process:
fp32 with length-sorted batches, fp32 with unsorted batches, bf16 autocast for passages only
(what builds do on CPUs with native bf16: AMX / AVX-512 BF16) and for queries too, int8
dynamic quantisation of the linear layers. Quality: cosine to the fp32 vectors, and hybrid MRR@10 on the gold questions
(eval/questions.jsonl, the eval's passage criterion) of a corpus index built and queried with
the variant. ONNX Runtime is not installed here (sentence-transformers' ONNX backend needs
``optimum[onnxruntime]``); it is not measured.
"""

from __future__ import annotations

import contextlib
import copy
import json
import random
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.synthetic import CORPUS, corpus_paragraphs


def _passages(count: int) -> list[str]:
    from indexer import passages as prep
    from indexer.documents.loaders import load

    rng = random.Random(5)
    source = corpus_paragraphs()
    out: list[str] = []
    work = Path(tempfile.mkdtemp(prefix="bench-speed-"))
    try:
        n = 0
        while len(out) < count:
            picked = rng.sample(source, 8)
            path = work / f"dok-{n}.txt"
            path.write_text(f"Notatka {n}\n\n" + "\n\n".join(picked), encoding="utf-8")
            raw = load(path, 10**7)
            out += [p.embedding_text() for p in prep.passages_of(raw, path.name, prep.describe(raw, None))]
            n += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out[:count]


NAMES = ("fp32", "fp32 unsorted", "bf16 passages (build default)", "bf16 passages and queries", "int8 dynamic")


@contextlib.contextmanager
def variant(name: str, embedder: Any) -> Iterator[None]:
    """Make the process-wide embedder (and the build's choice of precision) follow ``name``."""
    import torch

    from indexer import build as build_module
    from indexer.vectors.embeddings import Embedder

    original_choice = build_module.use_bf16
    build_module.use_bf16 = lambda: name.startswith("bf16")
    original_encode, model = Embedder._encode, embedder.model
    try:
        if name == "bf16 passages and queries":
            def encode(self: Any, *args: Any, **kwargs: Any) -> Any:
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return original_encode(self, *args, **kwargs)

            Embedder._encode = encode
        elif name == "int8 dynamic":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                embedder.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(model), {torch.nn.Linear}, dtype=torch.qint8)
        yield
    finally:
        build_module.use_bf16 = original_choice
        Embedder._encode = original_encode
        embedder.model = model


def _encode(name: str, embedder: Any, texts: list[str], batch: int) -> np.ndarray:
    if name == "fp32 unsorted":
        vectors = embedder.model.encode(
            [embedder.passage_prompt + t for t in texts], batch_size=batch,
            convert_to_numpy=True, normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)
    return embedder.encode_passages(texts, batch_size=batch, bf16=name.startswith("bf16"))


def mrr_at_10(settings: Any) -> float:
    """Hybrid MRR@10 over the answerable gold questions (a hit: gold document + key phrase)."""
    from assistant.retrieval.retriever import Retriever
    from eval.gold import load_questions, passage_matches

    questions = [q for q in load_questions() if q.answerable and q.gold_docs]
    retriever = Retriever(settings)
    try:
        results = retriever.search_many([q.question for q in questions], k=10)
    finally:
        retriever.close()
    total = 0.0
    for question, hits in zip(questions, results):
        for hit in hits:
            if passage_matches(hit.text, hit.source, question):
                total += 1.0 / hit.rank
                break
    return total / len(questions)


def main(args: Any) -> int:
    from indexer.build import build
    from indexer.settings import Settings
    from indexer.vectors.embeddings import load_embedder

    settings = Settings.from_env()
    embedder = load_embedder(settings)
    texts = _passages(getattr(args, "speed_passages", 96))
    random.Random(1).shuffle(texts)  # unsorted order for the "unsorted" variant
    names = list(NAMES)
    rows: list[dict[str, Any]] = []
    reference = None
    embedder.encode_passages(texts[:16])  # warm up
    for name in names:
        with variant(name, embedder):
            _encode(name, embedder, texts[:8], 16)
            started = time.perf_counter()
            vectors = _encode(name, embedder, texts, settings.embedding_batch_size)
            seconds = time.perf_counter() - started
            if reference is None:
                reference = vectors
            cosines = np.sum(reference * vectors, axis=1)
            row = {"variant": name, "chunks_s": len(texts) / seconds, "min_cos": float(cosines.min()),
                   "mean_cos": float(cosines.mean())}
            if name != "fp32 unsorted":
                index = Path(tempfile.mkdtemp(prefix="bench-mrr-"))
                try:
                    variant_settings = Settings.from_env(index_dir=index)
                    build([CORPUS], variant_settings)
                    row["mrr10"] = mrr_at_10(variant_settings)
                finally:
                    shutil.rmtree(index, ignore_errors=True)
            rows.append(row)
            print(f"  {name}: {row}", file=sys.stderr)
    base = rows[0]
    lines = [
        f"### Embedding variants ({len(texts)} passages, batch {settings.embedding_batch_size}, same process)",
        "",
        "| variant | chunks/s | speed-up vs fp32 | min cosine to fp32 | hybrid MRR@10 | ΔMRR (points) |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        mrr = row.get("mrr10")
        delta = f"{(mrr - base['mrr10']) * 100:+.1f}" if mrr is not None else "–"
        lines.append(
            f"| {row['variant']} | {row['chunks_s']:.1f} | {row['chunks_s'] / base['chunks_s']:.2f}× | "
            f"{row['min_cos']:.5f} | {f'{mrr:.3f}' if mrr is not None else '– (same vectors)'} | {delta} |"
        )
    lines += [
        "",
        "Throughput is noisy on a shared machine (the two bf16 rows run the same passage code). "
        "sentence-transformers already sorts texts by length inside `encode`, so batching by length "
        "is in place either way; \"unsorted\" only changes the order the texts are handed over. "
        "int8 dynamic quantisation costs MRR; bf16 does not.",
    ]
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.md").write_text(table + "\n", encoding="utf-8")
    (args.out / "speed.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table)
    return 0

"""Synthetic Polish-like passages at any scale, built from the corpus's own vocabulary.

Texts: sentences of corpus words drawn by their corpus frequency (so the sparse side sees a
realistic Zipf distribution and the Polish analyzer real Polish forms). Dense vectors: not
computed by the model for every passage (100k would take hours here) but mixed from real
passage embeddings: each vector is a random convex mix of two real corpus-paragraph
embeddings plus Gaussian noise, renormalised, so cosine geometry resembles real e5 vectors.
Query vectors are the real embeddings of the gold questions. Everything is cached on disk.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DOC_TYPES = ("minutes", "report", "programme", "news", "resolution")
CHUNKS_PER_DOC = 20
WORDS_PER_CHUNK = (90, 150)
NOISE = 0.35


def corpus_paragraphs() -> list[str]:
    """Paragraphs of the shipped corpus with at least a line of text."""
    paragraphs = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".txt", ".md"):
            for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
                block = " ".join(block.split())
                if len(block) > 80:
                    paragraphs.append(block)
    return paragraphs


def vocabulary() -> tuple[list[str], np.ndarray]:
    """Corpus word forms and their sampling probabilities (corpus frequency)."""
    from indexer.text import analyzer

    counts = Counter(w for p in corpus_paragraphs() for w in analyzer.words(p) if len(w) > 1 or w.isalpha())
    words = sorted(counts)
    freq = np.array([counts[w] for w in words], dtype=np.float64)
    return words, freq / freq.sum()


def texts(n: int, seed: int = 11) -> list[str]:
    """``n`` Polish-like passages (deterministic for a seed)."""
    words, p = vocabulary()
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        length = int(rng.integers(*WORDS_PER_CHUNK))
        picks = rng.choice(len(words), size=length, p=p)
        sentence_ends = set(rng.choice(length, size=max(1, length // 14), replace=False).tolist())
        parts = []
        capital = True
        for i, w in enumerate(picks):
            word = words[w]
            parts.append(word.capitalize() if capital else word)
            capital = i in sentence_ends
            if capital:
                parts[-1] += "."
        out.append(" ".join(parts) + ".")
    return out


def cache_dir() -> Path:
    from indexer.settings import Settings

    folder = Path(Settings.from_env().model_cache_dir).expanduser().parent / "bench"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def prepare(n: int, seed: int = 11) -> Path:
    """Build (once) and cache ``n`` passages with dense and sparse vectors, and the query set,
    as ``.npy`` files that later runs memory-map (a 1k run does not read the 100k arrays)."""
    folder = cache_dir() / f"synthetic-{n}-{seed}"
    if (folder / "done").exists():
        return folder
    from eval.gold import load_questions
    from indexer.settings import Settings
    from indexer.text.analyzer import Bm25Weights
    from indexer.vectors.embeddings import load_embedder

    embedder = load_embedder(Settings.from_env())
    real = embedder.encode_passages(corpus_paragraphs())
    questions = [q.question for q in load_questions()]
    query_dense = embedder.encode_queries(questions)
    rng = np.random.default_rng(seed)
    a = rng.integers(len(real), size=n)
    b = rng.integers(len(real), size=n)
    w = rng.uniform(0.2, 0.8, size=(n, 1)).astype(np.float32)
    dense = w * real[a] + (1 - w) * real[b] + NOISE * rng.standard_normal((n, real.shape[1]), dtype=np.float32) / np.sqrt(real.shape[1])
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    passages = texts(n, seed)
    bm25 = Bm25Weights(avg_len=float(np.mean(WORDS_PER_CHUNK)))
    indices, values, offsets = [], [], [0]
    for text in passages:
        sparse = bm25.document(text)
        indices.extend(sparse.indices)
        values.extend(sparse.values)
        offsets.append(len(indices))
    blob = [t.encode("utf-8") for t in passages]
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "dense.npy", dense.astype(np.float32))
    np.save(folder / "indices.npy", np.asarray(indices, dtype=np.uint32))
    np.save(folder / "values.npy", np.asarray(values, dtype=np.float32))
    np.save(folder / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(folder / "text.npy", np.frombuffer(b"".join(blob), dtype=np.uint8))
    np.save(folder / "text_offsets.npy", np.cumsum([0] + [len(x) for x in blob]).astype(np.int64))
    np.save(folder / "query_dense.npy", query_dense.astype(np.float32))
    queries = [{"q": q, "sparse": [s.indices, s.values]} for q, s in zip(questions, (Bm25Weights().query(q) for q in questions))]
    (folder / "queries.json").write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    (folder / "done").write_text("ok", encoding="utf-8")
    return folder


def load(folder: Path, n: int) -> dict[str, Any]:
    """The first ``n`` passages of a prepared cache (memory-mapped), and its queries."""
    def array(name: str) -> np.ndarray:
        return np.load(folder / f"{name}.npy", mmap_mode="r")

    offsets = np.asarray(array("offsets")[: n + 1])
    text_offsets = np.asarray(array("text_offsets")[: n + 1])
    blob = array("text")
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))
    return {
        "dense": array("dense")[:n],
        "indices": array("indices"),
        "values": array("values"),
        "offsets": offsets,
        "texts": (bytes(blob[text_offsets[i] : text_offsets[i + 1]]).decode("utf-8") for i in range(n)),
        "query_dense": np.asarray(array("query_dense")),
        "query_sparse": [q["sparse"] for q in queries],
    }


def payload(i: int, text: str, rng: np.random.Generator) -> dict[str, Any]:
    """A passage payload shaped like the indexer's (document, type, date, text)."""
    doc = i // CHUNKS_PER_DOC
    year = 2005 + doc % 22
    return {
        "doc_id": f"synth-{doc:05d}.txt",
        "title": f"Dokument syntetyczny {doc}",
        "date": f"{year}-{1 + doc % 12:02d}-{1 + doc % 28:02d}",
        "type": DOC_TYPES[doc % len(DOC_TYPES)],
        "kind": "passage",
        "chunk_no": i % CHUNKS_PER_DOC,
        "page": None,
        "heading_path": [],
        "topics": [],
        "organisations": [],
        "text": text,
        "source": f"synthetic/synth-{doc:05d}.txt",
    }

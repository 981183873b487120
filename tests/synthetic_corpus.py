"""Synthetic Polish documents built from the real corpus's paragraphs, for tests that need a
corpus big enough for a build to take a few seconds (kill and concurrency tests)."""

from __future__ import annotations

import random
from pathlib import Path

from benchmarks.synthetic import corpus_paragraphs


def write_documents(folder: Path, count: int, paragraphs_each: int = 8, seed: int = 7) -> list[Path]:
    """``count`` distinct documents of shuffled corpus paragraphs, each passage marked with its
    document number so that no two passages are the same text."""
    rng = random.Random(seed)
    source = corpus_paragraphs()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for n in range(count):
        picked = rng.sample(source, min(paragraphs_each, len(source)))
        body = "\n\n".join(f"{p} (Zbiór archiwalny, teczka {n}-{i}.)" for i, p in enumerate(picked))
        path = folder / f"archiwum-{n:03d}.txt"
        path.write_text(f"Notatka archiwalna nr {n}\n\n{body}\n", encoding="utf-8")
        written.append(path)
    return written

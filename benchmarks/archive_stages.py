"""One build of the archive in its own process, timed per stage:
``python -m benchmarks.archive_stages '{json args}'`` prints progress lines on stderr and one
JSON object on its last stdout line.

Stages are measured without touching the build's code: a sampling thread looks at the build
thread's stack every few milliseconds and charges the time since its last look to the stage of
the module the build is in (OCR, repair, embedding, …), by where the module lives in the
``indexer`` package, so it keeps working when functions move between modules. Peak RSS is the
build process's own (``ru_maxrss``), plus its largest child (OCR workers, if any)."""

from __future__ import annotations

import json
import logging
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any, Self

import indexer

PACKAGE = Path(indexer.__file__).resolve().parent
SAMPLE_SECONDS = 0.005
# Highest first: a stage found anywhere on the stack wins over the ones below it (OCR called by
# the PDF loader is OCR; the analyzer called by repair is repair).
PRIORITY = ("ocr", "repair", "model_load", "embed", "store", "annotate", "chunk", "lexical", "load", "copy")


def stage_of_frame(path: str, function: str) -> str | None:
    """The build stage one stack frame belongs to, from its file inside ``indexer`` (or ``None``)."""
    try:
        rel = Path(path).resolve().relative_to(PACKAGE).as_posix()
    except ValueError:
        return None
    name = rel.rsplit("/", 1)[-1]
    if "ocr" in name:
        return "ocr"
    if rel in ("text/repair.py", "documents/cleaning.py"):
        return "repair"
    if rel.startswith("vectors/"):
        # loading (and converting) the model, wherever in vectors/ it happens, is not embedding
        loading = function in ("load_embedder", "_load_model") or name in ("container.py", "charsmap.py", "convert.py", "model_cache.py")
        return "model_load" if loading else "embed"
    if rel.startswith("store/") or rel == "versions.py":
        return "store"
    if rel.startswith("annotate/"):
        return "annotate"
    if rel in ("text/chunking.py", "text/sentences.py", "passages.py", "documents/tables.py", "documents/metadata.py"):
        return "chunk"
    if rel in ("text/analyzer.py", "text/language.py"):
        return "lexical"
    if rel.startswith("documents/"):
        return "load"
    if function == "_copy_unchanged":
        return "copy"
    return None


def stage_of_stack(frame: FrameType | None, cache: dict[tuple[str, str], str | None]) -> str:
    """The stage of a whole stack: the highest-priority stage of any of its frames."""
    found: set[str] = set()
    while frame is not None:
        code = frame.f_code
        key = (code.co_filename, code.co_name)
        if key not in cache:
            cache[key] = stage_of_frame(*key)
        if cache[key]:
            found.add(cache[key])
        frame = frame.f_back
    for stage in PRIORITY:
        if stage in found:
            return stage
    return "other"


class StageSampler:
    """Charges wall time to stages by sampling one thread's stack (see the module docstring)."""

    def __init__(self, thread_id: int, interval: float = SAMPLE_SECONDS) -> None:
        self.thread_id = thread_id
        self.interval = interval
        self.seconds: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="stage-sampler")

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        cache: dict[tuple[str, str], str | None] = {}
        last = time.perf_counter()
        stage = "other"
        while not self._stop.wait(self.interval):
            frame = sys._current_frames().get(self.thread_id)
            now = time.perf_counter()
            stage = stage_of_stack(frame, cache)
            self.seconds[stage] += now - last
            last = now
        self.seconds[stage] += time.perf_counter() - last  # the stage it was in when it ended


def _progress(stage: str, done: int, total: int) -> None:
    """Progress lines the parent watches (to kill the build while it embeds)."""
    if done == total or done % 16 == 0:
        print(f"progress {stage} {done} {total}", file=sys.stderr, flush=True)


def raw_model(folder: Path, sample: int, settings: Any) -> dict[str, float]:
    """The model alone embedding the passages (and their sentences) of the first ``sample`` text
    documents: the ceiling of the build's embed stage, measured in the same process."""
    from indexer import passages as prep
    from indexer.build import use_bf16
    from indexer.documents.loaders import load
    from indexer.vectors.embeddings import load_embedder

    prepared = []
    for path in sorted(folder.glob("*.txt"))[:sample]:
        raw = load(path, settings.max_file_bytes)
        prepared += prep.passages_of(raw, path.name, prep.describe(raw, None), embed_topics=False)
    texts = [p.embedding_text() for p in prepared] + [t for p in prepared for t in p.sentence_texts()]
    embedder = load_embedder(settings)
    embedder.encode_passages(texts[:8], batch_size=settings.embedding_batch_size, bf16=use_bf16())
    started = time.perf_counter()
    embedder.encode_passages(texts, batch_size=settings.embedding_batch_size, bf16=use_bf16())
    seconds = time.perf_counter() - started
    return {"passages": len(prepared), "texts": len(texts), "seconds": seconds, "chunks_s": len(prepared) / seconds}


def run(folder: str, index: str, raw_sample: int = 0) -> dict[str, Any]:
    """Build ``folder`` into ``index`` and report the build, its stages and its peak memory."""
    from indexer.build import build
    from indexer.settings import Settings

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env(index_dir=Path(index))
    started = time.perf_counter()
    with StageSampler(threading.get_ident()) as sampler:
        report = build([Path(folder)], settings, progress=_progress)
    wall = time.perf_counter() - started
    result: dict[str, Any] = {
        "wall_s": wall, "seconds": report.seconds, "stages_s": dict(sampler.seconds),
        "documents": report.documents, "chunks": report.chunks, "embedded": report.embedded, "reused": report.reused,
        "added": len(report.added), "changed": len(report.changed), "removed": len(report.removed),
        "unchanged": len(report.unchanged), "ocr_documents": len(getattr(report, "ocr", [])), "errors": report.errors, "warnings": report.warnings[:50],
        "warning_count": len(report.warnings), "version": report.version_dir.name if report.version_dir else None,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    if raw_sample:
        result["raw_model"] = raw_model(Path(folder), raw_sample, settings)
    return result


if __name__ == "__main__":
    print(json.dumps(run(**json.loads(sys.argv[1])), ensure_ascii=False))

"""Concurrent askers against the live index, as the web app serves them: one process, one shared
retriever and answerer, several threads each asking a question, thinking, asking again.

``python -m benchmarks.archive_askers '{json args}'`` says ``ready`` on stderr once warmed up,
asks until the stop file appears, then prints one JSON object: every ask's start, duration,
outcome and the index version that answered."""

from __future__ import annotations

import json
import random
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def questions() -> list[str]:
    """The evaluation's answerable Polish questions (the archive is made of the corpus's paragraphs)."""
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows if r.get("lang", "pl") == "pl" and r.get("answerable", True)]


def _asker(n: int, answerer: Any, pool: list[str], think: float, stop: Path, log: list[dict[str, Any]]) -> None:
    rng = random.Random(n)
    while not stop.exists():
        question = rng.choice(pool)
        started = time.time()
        t0 = time.perf_counter()
        try:
            answer = answerer.ask(question)
            outcome = "answered" if answer.citations else "abstained"
            error = None
        except Exception as exc:  # noqa: BLE001 - the benchmark counts every failure
            outcome, error = "error", f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t0
        version = answerer.retriever.store.version if outcome != "error" else None
        log.append({"asker": n, "start": started, "seconds": seconds, "outcome": outcome, "error": error, "version": version})
        time.sleep(rng.uniform(0.5, 1.5) * think)


def run(index: str, stop: str, threads: int = 8, think: float = 1.0) -> dict[str, Any]:
    """Ask from ``threads`` threads until ``stop`` exists; return every ask."""
    from assistant.answer.answering import Answerer
    from assistant.retrieval.retriever import Retriever
    from indexer.settings import Settings

    retriever = Retriever(Settings.from_env(index_dir=Path(index)))
    answerer = Answerer(retriever)
    pool = questions()
    answerer.ask(pool[0])  # warm-up, as the app does
    print("ready", file=sys.stderr, flush=True)
    log: list[dict[str, Any]] = []
    workers = [
        threading.Thread(target=_asker, args=(n, answerer, pool, think, Path(stop), log), daemon=True)
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    retriever.close()
    return {"threads": threads, "think_s": think, "asks": log}


if __name__ == "__main__":
    print(json.dumps(run(**json.loads(sys.argv[1])), ensure_ascii=False))

"""Print the app's start-up and answer times: `python scripts/measure_app.py [--index DIR] [--questions N]`.

Runs what the app runs, in this process: the same cached resources (`webapp.resources`), so the
start-up figure is the model load plus the warm-up question, and the answer figures are
`Answerer.ask` on N evaluation questions (one of each kind first) after that warm-up. The
end-to-end figures in a real browser come from `python -m pytest tests/test_browser.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def questions(n: int) -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval" / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    first_of_kind: dict[str, str] = {}
    for row in rows:
        first_of_kind.setdefault(row["kind"], row["question"])
    rest = [r["question"] for r in rows if r["question"] not in first_of_kind.values()]
    return (list(first_of_kind.values()) + rest)[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="a built index (default: NGO_INDEX_DIR or .index)")
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    started = time.perf_counter()
    from indexer.settings import Settings
    from webapp import resources

    settings = Settings.from_env(index_dir=args.index)
    state = resources.index_state(settings)
    if state is None:
        sys.exit(f"no index in {settings.index_dir}: run `python -m indexer build --index {settings.index_dir}` first")
    answerer = resources.answerer(state)  # model load, store open, one warm-up question
    startup = time.perf_counter() - started
    times = []
    for question in questions(args.questions):
        t0 = time.perf_counter()
        answerer.ask(question)
        times.append(time.perf_counter() - t0)
    first = times[0]
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"load average (2 cores shared): {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"start-up (imports, model load, store open, warm-up question): {startup:.1f} s")
    print(
        f"answers after warm-up ({len(times)} eval questions): p50 {statistics.median(times):.2f} s, "
        f"p95 {p95:.2f} s, max {times[-1]:.2f} s; the first of them {first:.2f} s"
    )


if __name__ == "__main__":
    main()

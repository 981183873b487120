"""``python -m eval``: retrieval metrics of hybrid, dense-only and lexical-only search side by side.

``python -m eval calibrate`` fits the abstention threshold on the same questions and writes
``assistant/calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval.gold import load_questions
from eval.metrics import calibrate_abstention, retrieval_table, run_retrieval
from indexer.index import read_manifest
from indexer.settings import Settings


def _ensure_index(settings: Settings) -> None:
    if settings.qdrant_url or read_manifest(settings.index_dir) is not None:
        return
    from indexer.build import build

    print(f"No index in {settings.index_dir}: building it from {settings.corpus_dir} …", file=sys.stderr)
    build([settings.corpus_dir], settings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate retrieval and answers.")
    parser.add_argument("command", nargs="?", default="retrieval", choices=("retrieval", "calibrate"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)

    from assistant.retrieval import Retriever

    settings = Settings.from_env(index_dir=args.index)
    _ensure_index(settings)
    questions = load_questions()
    retriever = Retriever(settings)
    if args.command == "calibrate":
        from assistant.answering import CALIBRATION_FILE, Answerer

        result = calibrate_abstention(Answerer(retriever), questions)
        CALIBRATION_FILE.write_text(json.dumps(result["calibration"], indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result["report"], indent=2, ensure_ascii=False))
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
        return 0
    results = {mode: run_retrieval(retriever, questions, mode, args.k) for mode in ("hybrid", "dense", "sparse")}
    if args.json:
        print(json.dumps(results, indent=2, ensure_ascii=False))
    else:
        print(retrieval_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``python -m eval``: every system and ablation on the gold questions, answer metrics, a report.

    python -m eval [--index DIR] [--out DIR] [--json] [--check] [--systems ours,tutorial,...]
    python -m eval calibrate [--index DIR]

The report (Markdown and PNG plots) goes to ``--out`` (default ``eval/out/``). ``--check``
exits with status 1 when a figure falls below ``eval/thresholds.json``. ``calibrate`` fits the
abstention threshold on the same questions and writes ``assistant/calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from eval.baselines import SYSTEMS
from eval.check import THRESHOLDS_FILE, check, load_thresholds
from eval.gold import load_questions
from eval.metrics import K, calibrate_abstention
from eval.report import DEFAULT_OUT, PLOTS_MARKER, write_report
from indexer.versions import read_manifest
from indexer.settings import Settings


def _ensure_index(settings: Settings) -> None:
    if settings.qdrant_url or read_manifest(settings.index_dir) is not None:
        return
    from indexer.build import build

    print(f"No index in {settings.index_dir}: building it from {settings.corpus_dir} …", file=sys.stderr)
    build([settings.corpus_dir], settings)


def _systems(value: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate retrieval and answers against baselines.")
    parser.add_argument("command", nargs="?", default="run", choices=("run", "retrieval", "calibrate"),
                        help="run (default; 'retrieval' is an alias) or calibrate")
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: NGO_INDEX_DIR or .index)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the report")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when a figure falls below {THRESHOLDS_FILE.name}")
    parser.add_argument("--thresholds", type=Path, default=THRESHOLDS_FILE)
    parser.add_argument("--systems", type=_systems, default=list(SYSTEMS),
                        help=f"comma-separated subset of: {','.join(SYSTEMS)} (default all)")
    parser.add_argument("--no-answers", action="store_true", help="skip the answer metrics")
    parser.add_argument("--k", type=int, default=K)
    args = parser.parse_args(argv)

    settings = Settings.from_env(index_dir=args.index)
    _ensure_index(settings)
    questions = load_questions()
    if args.command == "calibrate":
        from assistant.answer.answering import CALIBRATION_FILE, Answerer
        from assistant.retrieval.retriever import Retriever

        retriever = Retriever(settings)
        try:
            result = calibrate_abstention(Answerer(retriever), questions)
        finally:
            retriever.close()
        CALIBRATION_FILE.write_text(json.dumps(result["calibration"], indent=2) + "\n", encoding="utf-8")
        print(json.dumps(result["report"], indent=2, ensure_ascii=False))
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
        return 0

    from eval.suite import run_suite

    try:
        results = run_suite(settings, questions, args.systems, k=args.k, answers=not args.no_answers)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    verdict = None
    if args.check:
        verdict = check(results, load_thresholds(args.thresholds))
        results["check"] = {
            "ok": verdict.ok, "failures": verdict.failures, "skipped": verdict.skipped,
            "checked": verdict.checked, "file": args.thresholds.name,
        }
    report, pngs = write_report(results, args.out)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
    else:
        print(report.read_text(encoding="utf-8").split(PLOTS_MARKER, 1)[0].rstrip())
    print(f"wrote {report} and {len(pngs)} plots", file=sys.stderr)
    if verdict is not None and not verdict.ok:
        for failure in verdict.failures:
            print(f"check failed: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

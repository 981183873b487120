"""``python -m eval``: every system and ablation on the gold questions, answer metrics, a report.

    python -m eval [--index DIR] [--out DIR] [--json] [--check] [--systems ours,tutorial,...]
                   [--corpus shipped,unseen]
    python -m eval calibrate [--index DIR]

Every figure is measured on the shipped corpus (the answering was tuned on it: a regression
guard) and on the unseen one (``eval/unseen/``: written for evaluation, indexed beside the
shipped documents in ``DIR-unseen``), ours beside every baseline on both. The report (Markdown
and PNG plots) goes to ``--out`` (default ``eval/out/``). ``--check`` exits with status 1 when a
figure of either corpus falls below ``eval/thresholds.json``. ``calibrate`` fits the abstention
threshold on the shipped questions and writes ``assistant/answer/calibration.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from eval.baselines import SYSTEMS
from eval.check import THRESHOLDS_FILE, check_corpora, load_thresholds
from eval.corpora import CORPORA, EvalCorpus
from eval.metrics import K
from eval.report import DEFAULT_OUT, PLOTS_MARKER, write_report
from indexer.settings import Settings
from indexer.versions import read_manifest


def _ensure_index(settings: Settings, corpus: EvalCorpus | None = None) -> Settings:
    """The settings of ``corpus``'s index (default: the shipped one), built when missing; an
    unseen corpus's index is brought up to date (an incremental build: unchanged documents keep
    their vectors)."""
    corpus = corpus or CORPORA["shipped"]
    settings = corpus.settings(settings)
    if settings.qdrant_url or (read_manifest(settings.index_dir) is not None and not corpus.extra_folders):
        return settings
    from indexer.build import build

    folders = corpus.folders(settings)
    print(f"Index {settings.index_dir}: building it from {', '.join(map(str, folders))} …", file=sys.stderr)
    build(folders, settings)
    return settings


def _names(value: str, known: Iterable[str], what: str) -> list[str]:
    """The comma-separated names of ``value``, each one of ``known`` (else an argparse error)."""
    known = list(known)
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what} {unknown}; choose from {', '.join(known)}")
    return names


def _corpora(value: str) -> list[str]:
    return _names(value, CORPORA, "corpora")


def _systems(value: str) -> list[str]:
    return _names(value, SYSTEMS, "systems")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate retrieval and answers against baselines.")
    parser.add_argument(
        "command", nargs="?", default="run", choices=("run", "retrieval", "calibrate"), help="run (default; 'retrieval' is an alias) or calibrate"
    )
    parser.add_argument("--index", type=Path, default=None, help="index folder (default: NGO_INDEX_DIR or .index)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"report folder (default {DEFAULT_OUT})")
    parser.add_argument("--json", action="store_true", help="print the results as JSON instead of the report")
    parser.add_argument("--check", action="store_true", help=f"exit 1 when a figure falls below {THRESHOLDS_FILE.name}")
    parser.add_argument("--thresholds", type=Path, default=THRESHOLDS_FILE)
    parser.add_argument("--systems", type=_systems, default=list(SYSTEMS), help=f"comma-separated subset of: {','.join(SYSTEMS)} (default all)")
    parser.add_argument("--no-answers", action="store_true", help="skip the answer metrics")
    parser.add_argument("--k", type=int, default=K)
    parser.add_argument(
        "--corpus", type=_corpora, default=list(CORPORA), help=f"comma-separated corpora to evaluate: {','.join(CORPORA)} (default all that exist)"
    )
    args = parser.parse_args(argv)

    settings = Settings.from_env(index_dir=args.index)
    if args.command == "calibrate":  # the fitted scorer and abstention model (see eval.answers)
        from eval.answers import main as answers_main

        return answers_main(["fit"] + (["--index", str(args.index)] if args.index else []))

    from eval.suite import run_suite

    by_corpus: dict[str, dict] = {}
    try:
        for name in args.corpus:
            corpus = CORPORA[name]
            if not corpus.available():
                print(f"corpus {name}: {corpus.questions_file} or its folders are missing, skipped", file=sys.stderr)
                continue
            corpus_settings = _ensure_index(settings, corpus)
            by_corpus[name] = run_suite(
                corpus_settings,
                corpus.questions(),
                args.systems,
                k=args.k,
                answers=not args.no_answers,
                corpus=corpus.folders(settings),
            )
            by_corpus[name]["meta"]["corpus"] = {"name": name, "label": corpus.label}
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not by_corpus:
        print("error: no corpus to evaluate", file=sys.stderr)
        return 2
    # the first corpus's results at the top level (as before), the others under their names
    first, *others = by_corpus
    results = dict(by_corpus[first])
    results["corpora"] = {name: by_corpus[name] for name in others}
    verdict = None
    if args.check:
        verdict = check_corpora(by_corpus, load_thresholds(args.thresholds))
        results["check"] = {
            "ok": verdict.ok,
            "failures": verdict.failures,
            "skipped": verdict.skipped,
            "checked": verdict.checked,
            "file": args.thresholds.name,
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

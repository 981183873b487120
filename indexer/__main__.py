"""Command line: ``python -m indexer build [PATH ...] [--index DIR]`` and ``python -m indexer status``.

Exit codes: 0 all documents indexed; 3 indexed with some files skipped (each named on stderr);
1 nothing could be indexed or the build failed; 4 another build is running; 130 interrupted
(Ctrl-C or SIGTERM). In every failing case the previous index stays live.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path

from indexer.errors import AssistantError, BuildLockedError, IndexNotFoundError
from indexer.settings import Settings
from indexer.versions import read_manifest

EXIT_PARTIAL = 3
EXIT_LOCKED = 4
EXIT_INTERRUPTED = 130


def _progress_printer(verbose: bool):
    last: dict[str, float] = {}

    def show(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last.get(stage, 0) < 0.5:
            return
        last[stage] = now
        label = {"load": "reading", "ocr": "OCR pages", "copy": "copying", "embed": "embedding", "store": "storing"}.get(stage, stage)
        width = 30
        filled = int(width * done / total) if total else width
        print(f"\r  {label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr)

    return show


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_build(args: argparse.Namespace) -> int:
    from indexer.build import build

    settings = Settings.from_env(index_dir=args.index)
    paths = [Path(p) for p in (args.paths or [str(settings.corpus_dir)])]
    print(f"Building the index in {settings.qdrant_url or settings.index_dir} from: {', '.join(map(str, paths))}", file=sys.stderr)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` cleans up like Ctrl-C does
    try:
        report = build(paths, settings, progress=_progress_printer(args.verbose))
    except BuildLockedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    except KeyboardInterrupt:
        print("\ninterrupted: nothing was changed, the previous index is still live", file=sys.stderr)
        return EXIT_INTERRUPTED
    except AssistantError as exc:
        print(f"error: {exc}; the previous index is still live", file=sys.stderr)
        return 1
    except Exception as exc:
        logging.getLogger("indexer").debug("build failed", exc_info=True)
        print(f"error: the build failed ({type(exc).__name__}: {exc}); the previous index is still live", file=sys.stderr)
        return 1
    if report.cleaned_up:
        print(f"removed {len(report.cleaned_up)} unfinished version(s) of an interrupted build", file=sys.stderr)
    if report.rebuild_reason:
        print(f"note: {report.rebuild_reason}", file=sys.stderr)
    for path, problem in report.errors:
        print(f"skipped {path}: {problem}", file=sys.stderr)
    for path, warning in report.warnings:
        print(f"warning {path}: {warning}", file=sys.stderr)
    for path, pages in report.ocr:
        print(f"OCR: {Path(path).name} {pages}", file=sys.stderr)
    print(
        f"Indexed {report.documents} documents, {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} reused) in {report.seconds.get('total', 0):.1f} s; "
        f"documents: {len(report.added)} added, {len(report.changed)} changed, "
        f"{len(report.removed)} removed, {len(report.unchanged)} unchanged"
        + (f"; {len(report.errors)} file(s) skipped" if report.errors else "")
    )
    if args.verbose:
        for stage, seconds in report.seconds.items():
            print(f"  {stage:<12} {seconds:7.2f} s")
    if report.documents == 0:
        return 1
    return EXIT_PARTIAL if report.errors else 0


def cmd_status(args: argparse.Namespace) -> int:
    from indexer.documents.ocr import describe_ocr
    from indexer.fingerprint import digest, fingerprint, fingerprint_change

    settings = Settings.from_env(index_dir=args.index)
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        print(f"No index in {settings.index_dir}. Run: python -m indexer build")
        return 1
    current = fingerprint(settings)
    print(f"Index {settings.index_dir} version {manifest.version}, built {manifest.built_at}")
    print(f"Backend: {manifest.backend}{' / ' + manifest.collection if manifest.collection else ''}")
    if current == manifest.fingerprint:
        print(f"Fingerprint: {digest(manifest.fingerprint)} (matches the settings)")
    else:
        print(
            f"Fingerprint: {digest(manifest.fingerprint)} DIFFERS from the settings ({digest(current)}): "
            f"{fingerprint_change(manifest.fingerprint, current)}; the next build re-embeds everything"
        )
    for key, value in sorted(manifest.fingerprint.items()):
        print(f"  {key}: {value}")
    print(f"Documents: {len(manifest.documents)}, chunks: {manifest.chunk_count}")
    changes = manifest.changes
    if changes:
        print(
            f"Last build: {changes.get('added', 0)} added, {changes.get('changed', 0)} changed, "
            f"{changes.get('removed', 0)} removed, {changes.get('unchanged', 0)} unchanged documents; "
            f"{changes.get('embedded', 0)} chunks embedded, {changes.get('reused', 0)} reused"
        )
    warnings = sum(len(doc.get("warnings", [])) for doc in manifest.documents.values())
    guessed = sum(bool(doc.get("guessed")) for doc in manifest.documents.values())
    print(f"Warnings: {warnings}, skipped files: {len(manifest.errors)}")
    print(f"Guessed metadata (date or type not in the manifest; correct it there): {guessed} document(s)")
    for doc_id, doc in sorted(manifest.documents.items()):
        print(f"  {doc_id}  [{doc.get('type')}, {doc.get('date') or 'no date'}]  {doc.get('chunks')} chunks")
        if doc.get("ocr"):
            print(f"    OCR: {describe_ocr(doc['ocr'])}")
        if doc.get("guessed"):
            print("    guessed: " + "; ".join(f"{field} {how}" for field, how in sorted(doc["guessed"].items())))
        if doc.get("removed_lines"):
            print(f"    {doc['removed_lines']} line(s) shared with other pages removed (menus, banners, footers)")
        for warning in doc.get("warnings", []):
            print(f"    warning: {warning}")
    for item in manifest.warnings:
        print(f"  warning {item['path']}: {item['warning']}")
    for err in manifest.errors:
        print(f"  skipped {err['path']}: {err['error']}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from qdrant_client import QdrantClient

    from indexer.store.export import export_index

    settings = Settings.from_env(index_dir=args.index)
    api_key = args.api_key or settings.qdrant_api_key
    client = QdrantClient(":memory:") if args.to == ":memory:" else QdrantClient(url=args.to, api_key=api_key)
    try:
        layout = {"shard_number": args.shards, "replication_factor": args.replicas}
        result = export_index(settings, client, args.collection or settings.collection,
                              layout={k: v for k, v in layout.items() if v} or None)
    except IndexNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - any failure here is logged and survived
        print(f"error: the export to {args.to} failed ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    finally:
        client.close()
    print(
        f"Exported {result.points} points to {args.to}: collection {result.collection}, "
        f"alias {result.alias}" + (f" (replaced {result.replaced})" if result.replaced else "")
    )
    return 0


def cmd_repair_report(args: argparse.Namespace) -> int:
    """Per document: share of words the dictionary does not know, before and after repair;
    then precision and recall of the repair on the hand-checked pairs."""
    import json

    from indexer.discovery import discover
    from indexer.documents import cleaning
    from indexer.documents.loaders import LoadError, load
    from indexer.text import repair, repair_report

    settings = Settings.from_env()
    files, _problems = discover([Path(p) for p in (args.paths or [str(settings.corpus_dir)])])
    contexts = {}
    print("| document | words | unknown before | unknown after | words changed | mode |")
    print("|---|---|---|---|---|---|")
    for path in files:
        try:
            text = cleaning.normalize(load(path, settings.max_file_bytes).text)
        except LoadError as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        fig = repair_report.document_figures(path.name, text)
        contexts[path.name] = repair.document_context(text)
        mode = "OCR-damaged" if fig.thorough else "clean"
        print(f"| {fig.name} | {fig.words} | {fig.unknown_before:.1%} | {fig.unknown_after:.1%} | {fig.changes} | {mode} |")
    pairs_path = Path(args.pairs)
    if pairs_path.is_file():
        pairs = [json.loads(line) for line in pairs_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        score = repair_report.score_pairs(pairs, contexts)
        print(
            f"\nPairs {pairs_path}: {score.pairs} ({score.damaged} damaged, {score.pairs - score.damaged} clean); "
            f"words changed {score.changed}, rightly {score.changed_right}"
        )
        print(f"precision {score.precision:.3f}  recall {score.recall:.3f}")
        if args.verbose:
            for failure in score.failures:
                print(f"  {failure['context']!r}: {failure['damaged']} -> {failure['got']} (expected {failure['correct']})")
    return 0


def cmd_topic_report(args: argparse.Namespace) -> int:
    """Topics and postulate records per document, chunk sizes, and topic precision/recall
    against the hand-labelled sample."""
    import json
    from collections import Counter

    from indexer.annotate import topics
    from indexer.discovery import discover
    from indexer.documents.loaders import LoadError, load
    from indexer.documents.metadata import read_manifest as read_corpus_manifest
    from indexer.passages import chunk_stats, describe, passages_of

    settings = Settings.from_env()
    files, _problems = discover([Path(p) for p in (args.paths or [str(settings.corpus_dir)])])
    passages = []
    for path in files:
        try:
            raw = load(path, settings.max_file_bytes)
        except LoadError as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        doc = passages_of(raw, path.name, describe(raw, read_corpus_manifest(path.parent).get(path.name)))
        records = sum(p.kind == "postulate" for p in doc)
        print(f"{path.name}: {len(doc) - records} passages, {records} postulate records")
        passages += doc
    counts = Counter(t for p in passages for t in p.meta.get("topics", []))
    print("\n| topic | label | points |\n|---|---|---|")
    for topic in topics.TOPICS:
        print(f"| {topic.id} | {topic.label} | {counts.get(topic.id, 0)} |")
    stats = chunk_stats(passages)
    print(f"\nChunk size in model tokens: min {stats['min']}, median {stats['median']}, max {stats['max']} "
          f"({stats['chunks']} chunks, {stats['over_limit']} over the limit)")
    labels_path = Path(args.labels)
    if labels_path.is_file():
        labels = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        score = topics.score_labels(labels, passages)
        print(f"\nLabels {labels_path}: {score.labelled} chunks, {score.assigned} topics assigned, {score.correct} right")
        print(f"precision {score.precision:.3f}  recall {score.recall:.3f}")
        if args.verbose:
            for err in score.errors:
                print(f"  {err['snippet']!r}: extra {err['extra']}, missing {err['missing']}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m indexer", description="Build and inspect the document index.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="index documents (default: the corpus/ folder)")
    p_build.add_argument("paths", nargs="*", help="files or folders to index")
    p_build.add_argument("--index", type=Path, default=None, help="index folder (default: .index)")
    p_build.add_argument("--verbose", "-v", action="store_true", help="print timings and log details")
    p_build.set_defaults(func=cmd_build)
    p_status = sub.add_parser("status", help="show the index's documents, chunks and fingerprint")
    p_status.add_argument("--index", type=Path, default=None)
    p_status.add_argument("--verbose", "-v", action="store_true")
    p_status.set_defaults(func=cmd_status)
    p_export = sub.add_parser("export", help="copy the embedded index into a Qdrant server collection")
    p_export.add_argument("--to", required=True, metavar="URL", help="the Qdrant server, e.g. http://localhost:6333")
    p_export.add_argument("--collection", default=None, help="alias to publish under (default: NGO_COLLECTION)")
    p_export.add_argument("--api-key", default=None, help="API key (default: QDRANT_API_KEY)")
    p_export.add_argument("--shards", type=int, default=None, help="shard_number of the new collection (cluster)")
    p_export.add_argument("--replicas", type=int, default=None, help="replication_factor of the new collection (cluster)")
    p_export.add_argument("--index", type=Path, default=None)
    p_export.add_argument("--verbose", "-v", action="store_true")
    p_export.set_defaults(func=cmd_export)
    p_repair = sub.add_parser("repair-report", help="text repair figures: unknown words per document, precision/recall on pairs")
    p_repair.add_argument("paths", nargs="*", help="files or folders (default: the corpus/ folder)")
    p_repair.add_argument("--pairs", default="eval/repair_pairs.jsonl", help="hand-checked damaged -> correct pairs")
    p_repair.add_argument("--verbose", "-v", action="store_true", help="list the pairs the repair gets wrong")
    p_repair.set_defaults(func=cmd_repair_report)
    p_topics = sub.add_parser("topic-report", help="topics per point, chunk sizes, topic precision/recall on the labelled sample")
    p_topics.add_argument("paths", nargs="*", help="files or folders (default: the corpus/ folder)")
    p_topics.add_argument("--labels", default="eval/topic_labels.jsonl", help="hand-labelled chunks")
    p_topics.add_argument("--verbose", "-v", action="store_true", help="list the labelled chunks that differ")
    p_topics.set_defaults(func=cmd_topic_report)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        # pypdf logs its repairs of broken files; the build already reports each file in one line.
        logging.getLogger("pypdf").setLevel(logging.ERROR)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""Command line: ``python -m indexer build [PATH ...] [--index DIR]`` and ``python -m indexer status``.

Exit codes: 0 all documents indexed; 3 indexed with some files skipped (each named on stderr);
1 nothing could be indexed or the build failed; 4 another build is running.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from indexer.index import BuildLocked, read_manifest
from indexer.settings import Settings

EXIT_PARTIAL = 3
EXIT_LOCKED = 4


def _progress_printer(verbose: bool):
    last: dict[str, float] = {}

    def show(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last.get(stage, 0) < 0.5:
            return
        last[stage] = now
        label = {"load": "reading", "embed": "embedding", "store": "storing"}.get(stage, stage)
        width = 30
        filled = int(width * done / total) if total else width
        print(f"\r  {label:<10} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr)

    return show


def cmd_build(args: argparse.Namespace) -> int:
    from indexer.build import build

    settings = Settings.from_env(index_dir=args.index)
    paths = [Path(p) for p in (args.paths or [str(settings.corpus_dir)])]
    print(f"Building the index in {settings.qdrant_url or settings.index_dir} from: {', '.join(map(str, paths))}", file=sys.stderr)
    try:
        report = build(paths, settings, progress=_progress_printer(args.verbose))
    except BuildLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOCKED
    for path, problem in report.errors:
        print(f"skipped {path}: {problem}", file=sys.stderr)
    for path, warning in report.warnings:
        print(f"warning {path}: {warning}", file=sys.stderr)
    print(
        f"Indexed {report.documents} documents, {report.chunks} chunks "
        f"({report.embedded} embedded, {report.reused} reused) in {report.seconds.get('total', 0):.1f} s"
    )
    if args.verbose:
        for stage, seconds in report.seconds.items():
            print(f"  {stage:<12} {seconds:7.2f} s")
    if report.documents == 0:
        return 1
    return EXIT_PARTIAL if report.errors else 0


def cmd_status(args: argparse.Namespace) -> int:
    from indexer.build import digest, fingerprint

    settings = Settings.from_env(index_dir=args.index)
    manifest = read_manifest(settings.index_dir)
    if manifest is None:
        print(f"No index in {settings.index_dir}. Run: python -m indexer build")
        return 1
    current = fingerprint(settings)
    print(f"Index {settings.index_dir} version {manifest.version}, built {manifest.built_at}")
    print(f"Backend: {manifest.backend}{' / ' + manifest.collection if manifest.collection else ''}")
    print(f"Fingerprint: {digest(manifest.fingerprint)} ({'matches settings' if current == manifest.fingerprint else 'DIFFERS from settings: the next build re-embeds everything'})")
    print(f"Documents: {len(manifest.documents)}, chunks: {manifest.chunk_count}")
    for doc_id, doc in sorted(manifest.documents.items()):
        print(f"  {doc_id}  [{doc.get('type')}, {doc.get('date') or 'no date'}]  {doc.get('chunks')} chunks")
        for warning in doc.get("warnings", []):
            print(f"    warning: {warning}")
    for err in manifest.errors:
        print(f"  skipped {err['path']}: {err['error']}")
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
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

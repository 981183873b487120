"""``python -m benchmarks archive``: an archive at scale. Generates ``--docs`` documents (text
PDFs, one in ten scanned, HTML pages, DOCX, text), indexes them over a live index of the shipped
corpus while 8 askers query it, and reports per-stage documents and pages a second, peak RSS,
the OCR stage against Tesseract alone on the same pages, a rebuild after 10 documents changed,
and that a build killed with SIGKILL leaves the previous version answering.

Builds and askers run in their own processes (the build's peak RSS is its own; the askers are
the web app's shape: one process, a shared retriever, a thread per user)."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from benchmarks.archive_docs import SCAN_DPI, ArchiveDoc, edit, generate
from benchmarks.archive_ocr import render_pages, tesseract_alone

ROOT = Path(__file__).resolve().parents[1]
EDITED = 10
KILL_AFTER_EMBEDDED = 32  # passages embedded before the kill: the build is well into writing its version


class Child:
    """A benchmark child process whose stderr is collected as it comes (progress lines)."""

    def __init__(self, module: str, args: dict[str, Any]) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", module, json.dumps(args)], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)

    def wait_for(self, pattern: str, accept: Any = None, timeout: float = 1800.0) -> re.Match[str]:
        """Block until a stderr line matches ``pattern`` (and ``accept(match)``, if given) while
        the child runs."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            lines = self.stderr[seen:]
            for line in lines:
                if (match := re.search(pattern, line)) and (accept is None or accept(match)):
                    return match
            seen += len(lines)
            if self.proc.poll() is not None and seen == len(self.stderr):
                raise RuntimeError(f"{self.proc.args[2]} ended before '{pattern}':\n{''.join(self.stderr[-40:])}")
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for '{pattern}'")

    def result(self) -> dict[str, Any]:
        """The child's JSON result (its last stdout line)."""
        out = self.proc.stdout.read()
        self.proc.wait()
        self._reader.join(timeout=10)
        if self.proc.returncode != 0:
            raise RuntimeError(f"{self.proc.args[2]} failed ({self.proc.returncode}):\n{''.join(self.stderr[-40:])}")
        return json.loads(out.strip().splitlines()[-1])


def build(folder: Path, index: Path, raw_sample: int = 0) -> dict[str, Any]:
    """One timed build in its own process."""
    return Child("benchmarks.archive_stages", {"folder": str(folder), "index": str(index), "raw_sample": raw_sample}).result()


def percentile(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile (nearest rank), ``None`` for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def asks_summary(asks: list[dict[str, Any]], start: float, end: float, old: str, new: str | None) -> dict[str, Any]:
    """Answer times and outcomes of the asks that began while the build ran."""
    during = [a for a in asks if start <= a["start"] <= end]
    times = [a["seconds"] for a in during if a["outcome"] != "error"]
    return {
        "asks": len(asks), "during_build": len(during),
        "errors": sum(a["outcome"] == "error" for a in asks), "error_samples": [a["error"] for a in asks if a["error"]][:5],
        "answered": sum(a["outcome"] == "answered" for a in during), "abstained": sum(a["outcome"] == "abstained" for a in during),
        "p50_s": percentile(times, 50), "p95_s": percentile(times, 95),
        "answered_by_old_version": sum(a["version"] == old for a in asks),
        "answered_by_new_version": sum(a["version"] == new for a in asks),
    }


def full_build_with_askers(docs: Path, index: Path, threads: int, think: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """The full build of the archive while ``threads`` askers query the live (corpus) index."""
    from indexer.versions import current_version_dir

    old = current_version_dir(index).name
    stop = index.parent / "stop-asking"
    stop.unlink(missing_ok=True)
    askers = Child("benchmarks.archive_askers", {"index": str(index), "stop": str(stop), "threads": threads, "think": think})
    askers.wait_for(r"^ready")
    time.sleep(2 * think)  # every asker is asking before the build starts
    start = time.time()
    try:
        result = build(docs, index, raw_sample=40)
    finally:
        end = time.time()
        time.sleep(3 * think)  # and still asking once the new version is live
        stop.touch()
    asked = askers.result()
    return result, {"threads": threads, "think_s": think, **asks_summary(asked["asks"], start, end, old, result["version"])}


def kill_during_rebuild(docs: Path, index: Path, extra: int, start_no: int) -> dict[str, Any]:
    """Add ``extra`` new documents, kill -9 the rebuild while it embeds them, and check the
    previous version is still live and answers the same."""
    from assistant.answer.answering import Answerer
    from assistant.retrieval.retriever import Retriever
    from benchmarks.archive_askers import questions
    from indexer.settings import Settings
    from indexer.versions import current_version_dir, read_manifest

    asked = questions()[:10]

    def answers() -> list[list[str]]:
        """Each question's top search hits and its answer's citations."""
        retriever = Retriever(Settings.from_env(index_dir=index))
        try:
            answerer = Answerer(retriever)
            hits = [[f"{h.doc_id}#{h.chunk_no}" for h in retriever.search(q, k=10)] for q in asked]
            cited = [[f"{c.title}|{c.page}|{c.quote}" for c in answerer.ask(q).citations] for q in asked]
            return hits + cited
        finally:
            retriever.close()

    live = current_version_dir(index)
    before = answers()
    generate(docs, extra, start=start_no)
    child = Child("benchmarks.archive_stages", {"folder": str(docs), "index": str(index)})
    child.wait_for(r"progress embed (\d+) (\d+)", lambda m: KILL_AFTER_EMBEDDED <= int(m[1]) < int(m[2]))
    os.kill(child.proc.pid, signal.SIGKILL)
    child.proc.wait()
    after = answers()
    leftovers = [p.name for p in (index / "versions").iterdir() if p != live and not (p / "index.json").exists()]
    return {
        "killed": child.proc.returncode == -signal.SIGKILL, "live_unchanged": current_version_dir(index) == live,
        "same_answers": before == after, "searched": sum(bool(a) for a in after[: len(asked)]), "answered": sum(bool(a) for a in after[len(asked):]),
        "questions": len(asked),
        "unfinished_versions_left": len(leftovers), "documents_live": len(read_manifest(index).documents),
    }


def stage_table(full: dict[str, Any], archive: list[ArchiveDoc], ocr_alone: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-stage seconds, documents/s and pages/s of the full build."""
    failed = {Path(p).name for p, _ in full["errors"]}
    indexed = [d for d in archive if d.name not in failed]
    scans = [d for d in archive if d.kind == "scan"]
    ocr_ok = bool(scans) and not any(d.name in failed for d in scans)
    s = full["stages_s"]
    pages_all = sum(d.pages for d in archive)
    pages_indexed = sum(d.pages for d in indexed)
    rows = []
    for stage, docs, pages in (
        ("load", len(archive), pages_all), ("ocr", len(scans) if ocr_ok else 0, sum(d.pages for d in scans) if ocr_ok else 0),
        ("repair", len(indexed), pages_indexed), ("chunk", len(indexed), pages_indexed),
        ("annotate", len(indexed), pages_indexed), ("lexical", len(indexed), pages_indexed),
        ("embed", len(indexed), pages_indexed), ("store", len(indexed), pages_indexed),
        ("model_load", 0, 0), ("other", 0, 0),
    ):
        seconds = s.get(stage, 0.0)
        row = {"stage": stage, "seconds": seconds, "documents": docs, "pages": pages,
               "docs_s": docs / seconds if docs and seconds else None, "pages_s": pages / seconds if pages and seconds else None}
        if stage == "ocr" and not ocr_ok:
            row["note"] = "not available: scanned PDFs reported 'needs OCR' and skipped"
        if stage == "ocr" and ocr_ok and ocr_alone.get("pages_s") and row["pages_s"]:
            row["vs_tesseract_alone"] = row["pages_s"] / ocr_alone["pages_s"]
        if stage == "embed" and seconds:
            row["chunks_s"] = full["embedded"] / seconds
            row["raw_model_chunks_s"] = full["raw_model"]["chunks_s"]
        if stage == "store" and seconds:
            row["points_s"] = full["chunks"] / seconds
        rows.append(row)
    return rows


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole archive benchmark; returns its figures."""
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="ngo-archive-"))
    docs, index = work / "docs", work / "idx"
    marker = work / f"generated-{args.docs}"
    # A fresh OCR cache: the full build must read every scanned page itself (rebuilds reuse it).
    os.environ["NGO_OCR_CACHE"] = str(work / "ocr-cache")
    shutil.rmtree(work / "ocr-cache", ignore_errors=True)
    if not marker.exists():  # a --work folder keeps the archive of an earlier run (same seed, same documents)
        shutil.rmtree(docs, ignore_errors=True)
    shutil.rmtree(index, ignore_errors=True)
    results: dict[str, Any] = {"docs": args.docs, "machine": {"cpus": os.cpu_count()}}
    started = time.perf_counter()
    try:
        t0 = time.perf_counter()
        if marker.exists():
            archive = [ArchiveDoc(**d) for d in json.loads(marker.read_text(encoding="utf-8"))]
        else:
            for stale in work.glob("generated-*"):
                stale.unlink()
            archive = generate(docs, args.docs)
            marker.write_text(json.dumps([asdict(d) for d in archive]), encoding="utf-8")
            results["generate_s"] = time.perf_counter() - t0
        results["kinds"] = {k: sum(d.kind == k for d in archive) for k in ("pdf", "scan", "html", "docx", "txt")}
        results["pages"] = sum(d.pages for d in archive)
        results["scan_pages"] = sum(d.pages for d in archive if d.kind == "scan")
        log("archive", f"{args.docs} documents, {results['pages']} pages ({results['scan_pages']} scanned)")
        results["base"] = build(ROOT / "corpus", index)
        log("live index", f"shipped corpus, {results['base']['chunks']} passages")
        full, results["askers"] = full_build_with_askers(docs, index, args.askers, args.think)
        results["full"] = full
        log("full build", f"{full['wall_s']:.0f} s, {full['documents']} documents, {len(full['errors'])} errors")
        scans = [docs / d.name for d in archive if d.kind == "scan"]
        pages = render_pages(scans, work / "pages", SCAN_DPI)
        results["tesseract_alone"] = tesseract_alone(pages, SCAN_DPI)
        log("tesseract alone", f"{len(pages)} pages")
        results["stages"] = stage_table(full, archive, results["tesseract_alone"])
        # spread over the archive, the offset varying so the kinds do too (a scan among them)
        picked = [archive[(i * len(archive) // EDITED + i) % len(archive)] for i in range(min(EDITED, len(archive)))]
        results["edited_kinds"] = [d.kind for d in picked]
        for doc in picked:
            edit(docs, doc, int(doc.name.split("dokument-")[1][:4]))
        results["rebuild"] = build(docs, index)
        log("rebuild", f"{results['rebuild']['wall_s']:.1f} s, {results['rebuild']['embedded']} passages embedded")
        results["kill"] = kill_during_rebuild(docs, index, max(20, args.docs // 20), args.docs)
        log("kill -9", json.dumps(results["kill"]))
    finally:
        if not args.keep and not args.work:
            shutil.rmtree(work, ignore_errors=True)
    results["total_s"] = time.perf_counter() - started
    results["machine"]["load_avg"] = os.getloadavg()
    return results


def log(step: str, text: str) -> None:
    print(f"  {step}: {text}", file=sys.stderr, flush=True)


def main(args: argparse.Namespace) -> int:
    from benchmarks.archive_report import render

    results = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "archive.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    table = render(results)
    (args.out / "archive.md").write_text(table + "\n", encoding="utf-8")
    print(table)
    print(f"\nwrote {args.out / 'archive.md'} and {args.out / 'archive.json'}", file=sys.stderr)
    ok = results["askers"]["errors"] == 0 and results["kill"]["live_unchanged"] and results["kill"]["same_answers"]
    return 0 if ok else 1

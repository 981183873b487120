"""``python -m benchmarks``: indexing throughput vs raw encoding, hybrid query latency at 1k /
10k / 100k passages on Qdrant Edge and qdrant-client local mode, peak memory, app cold start.
Prints a Markdown table, writes ``results.json``, ``results.md`` and ``benchmark.png``.

``python -m benchmarks archive``: a generated archive of ``--docs`` documents (PDFs, scans, HTML,
DOCX, text) indexed while 8 askers query the live index: per-stage throughput, peak RSS, OCR
against Tesseract alone, a rebuild after 10 edits, kill -9 safety (benchmarks/archive.py).

``python -m benchmarks speed``: CPU embedding variants (fp32, bf16 autocast, int8 dynamic
quantisation, length-sorted vs unsorted batches) with their throughput and eval MRR@10.

Each phase runs in its own process, so that its peak memory is its own. The first run also
builds and caches the synthetic passages and the 100k Edge shard (~2 + ~6 minutes here, most
of it the HNSW index); later runs reopen them and take ~5 minutes. Local mode is capped
(default 10k points): it keeps everything in Python objects and scores every point per query
(p50 was 1.3 s at 50k in docs/offline-models.md), so 100k would cost minutes and gigabytes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.phases import SENTENCES_PER_PASSAGE

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "benchmarks" / "results"


def run_phase(name: str, **args: Any) -> dict[str, Any]:
    """Run one phase in a child process and return its JSON result."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.phases", name, json.dumps(args)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"}, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"phase {name} failed:\n{result.stderr[-3000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["wall_s"] = time.perf_counter() - started
    print(f"  {name} {args.get('n', '')} done in {data['wall_s']:.0f} s", file=sys.stderr)
    return data


def _ensure_corpus_index(folder: Path) -> Path:
    """The shipped corpus indexed once (for the cold-start phase)."""
    from indexer.versions import read_manifest

    if read_manifest(folder) is None:
        subprocess.run([sys.executable, "-m", "indexer", "build", "--index", str(folder)], cwd=ROOT, check=True,
                       capture_output=True)
    return folder


def main_run(args: argparse.Namespace) -> int:
    from benchmarks.synthetic import prepare

    started = time.perf_counter()
    print("preparing synthetic passages (cached after the first run)…", file=sys.stderr)
    cache = str(prepare(max(args.sizes)))
    results: dict[str, Any] = {"sizes": args.sizes, "local_cap": args.local_cap, "edge": [], "local": []}
    results["indexing"] = run_phase("indexing", docs=args.docs, paragraphs=8)
    for n in args.sizes:
        results["edge"].append(run_phase("edge", n=n, cache=cache, queries=args.queries))
        if n <= args.local_cap:
            # Local mode scores every point in Python (~3 s a query at 10k here): few queries.
            few = max(5, min(30, 30_000 // n))
            results["local"].append(run_phase("local", n=n, cache=cache, queries=few, filtered_queries=max(3, few // 2)))
    index = _ensure_corpus_index(Path(args.index))
    results["cold_start"] = run_phase("cold_start", index=str(index))
    results["total_s"] = time.perf_counter() - started
    results["machine"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    table = render(results)
    (args.out / "results.md").write_text(table + "\n", encoding="utf-8")
    plot(results, args.out / "benchmark.png")
    print(table)
    print(f"\nwrote {args.out / 'results.md'}, {args.out / 'results.json'} and {args.out / 'benchmark.png'}", file=sys.stderr)
    return 0


def render(results: dict[str, Any]) -> str:
    """The results as Markdown tables."""
    ix = results["indexing"]
    lines = [
        "### Indexing (same model, same process, same passages; raw encode = the model embedding each passage and its sentences)",
        "",
        "| passages | raw encode, chunks/s | full pipeline, chunks/s | ratio | model load | rebuild, nothing changed | rebuild, one document edited | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
        (f"| {ix['chunks']} | {ix['raw_chunks_s']:.1f} | {ix['pipeline_chunks_s']:.1f} | **{ix['ratio']:.2f}** | "
        f"{ix['model_load_s']:.1f} s | {ix['rebuild_unchanged_s']:.2f} s | {ix['rebuild_one_edit_s']:.2f} s "
        f"({ix['rebuild_one_edit_embedded']} embedded) | {ix['peak_mb']:.0f} MB |"),
        "",
        "Pipeline stages (s): " + ", ".join(f"{k} {v:.2f}" for k, v in ix["stages"].items())
        + f". Texts embedded: {ix['texts_embedded']} (passages and their sentences). Document preparation "
        f"(load, repair, chunk, records, topic rules; the embedding topic comes from the stored vector) alone: "
        f"{ix['prep_s']:.1f} s. Without document preparation (what the indexer itself adds to the model: "
        f"reading, hashing, sparse vectors, storing, manifest) the ratio is **{_own_ratio(ix):.2f}**. "
        f"Passages embedded in bf16: {ix['bf16']}.",
        "",
        ("### Hybrid query latency (dense + sparse candidates, 50 each, rescored by passage and best sentence "
        f"({SENTENCES_PER_PASSAGE} sentence vectors a passage), score fusion, top 10; query embedding excluded; "
        "RRF of the two lists measured in the same run as the baseline)"),
        "",
        "| engine | passages | queries | p50 ms | p95 ms | p50 ms filtered | p95 ms filtered | RRF p50 ms | p50 / RRF p50 | upsert pts/s | optimize s | RSS of the open index | peak RSS (build) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = sorted(results["edge"] + results["local"], key=lambda r: (r["n"], r["engine"]))
    for r in rows:
        name = "Qdrant Edge" if r["engine"] == "edge" else "qdrant-client local (:memory:)"
        lines.append(
            f"| {name} | {r['n']:,} | {r['hybrid']['queries']}+{r['filtered']['queries']} | {r['hybrid']['p50_ms']:.2f} | {r['hybrid']['p95_ms']:.2f} | "
            f"{r['filtered']['p50_ms']:.2f} | {r['filtered']['p95_ms']:.2f} | {r['rrf']['p50_ms']:.2f} | "
            f"{r['hybrid']['p50_ms'] / r['rrf']['p50_ms']:.1f}× | {r['upsert_pts_s']:,.0f} | "
            f"{r['optimize_s']:.1f}{'*' if r.get('cached_build') else ''} | {r['open_rss_mb']:.0f} MB | "
            f"{r['peak_mb']:.0f} MB ({r.get('build_peak_mb', r['peak_mb']):.0f} MB) |"
        )
    skipped = [n for n in results["sizes"] if n > results["local_cap"]]
    if skipped:
        lines.append(f"| qdrant-client local | {', '.join(f'{n:,}' for n in skipped)} | capped: not run (> {results['local_cap']:,}; ~3 s a query at 10k) | | | | | | | | | | |")
    if any(r.get("cached_build") for r in results["edge"]):
        lines.append("\n\\* Edge shard built by an earlier run and reopened (its build figures are from that run).")
    cs = results["cold_start"]
    lines += [
        "",
        "### App cold start (new process, corpus index)",
        "",
        "| imports | model load | store open | first query | total | peak RSS |",
        "|---|---|---|---|---|---|",
        (f"| {cs['import_s']:.1f} s | {cs['model_load_s']:.1f} s | {cs['store_open_s']:.2f} s | {cs['first_query_s']:.2f} s | "
        f"**{cs['total_s']:.1f} s** | {cs['peak_mb']:.0f} MB |"),
        "",
        (f"Machine: {results['machine']['cpus']} CPUs, load average {results['machine']['load_avg'][0]:.1f} at the end "
        f"(shared: figures are noisy). Benchmark wall time {results['total_s']:.0f} s."),
    ]
    return "\n".join(lines)


def _own_ratio(ix: dict[str, Any]) -> float:
    """Raw encode throughput against the pipeline minus document preparation (measured apart)."""
    seconds = ix["stages"]["total"] - ix["stages"].get("model_load", 0.0) - ix["prep_s"]
    return ix["chunks"] / max(seconds, 1e-9) / ix["raw_chunks_s"]


def plot(results: dict[str, Any], path: Path) -> None:
    """Latency against size (log-log) for both engines, and the indexing throughput bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    for engine, label, colour in (("edge", "Qdrant Edge", "tab:blue"), ("local", "qdrant-client local", "tab:orange")):
        rows = list(results[engine])
        if not rows:
            continue
        sizes = [r["n"] for r in rows]
        left.plot(sizes, [r["hybrid"]["p50_ms"] for r in rows], "o-", color=colour, label=f"{label} p50")
        left.plot(sizes, [r["hybrid"]["p95_ms"] for r in rows], "o--", color=colour, alpha=0.6, label=f"{label} p95")
    left.axhline(50, color="grey", linestyle=":", label="50 ms target")
    left.set_xscale("log")
    left.set_yscale("log")
    left.set_xlabel("passages")
    left.set_ylabel("hybrid query latency, ms")
    left.set_title("Query latency (query embedding excluded)")
    left.legend(fontsize=8)
    ix = results["indexing"]
    own = ix["chunks"] / max(ix["stages"]["total"] - ix["stages"].get("model_load", 0.0) - ix["prep_s"], 1e-9)
    right.bar(
        ["raw encode", "full pipeline", "without document\npreparation"],
        [ix["raw_chunks_s"], ix["pipeline_chunks_s"], own],
        color=["tab:grey", "tab:green", "tab:cyan"],
    )
    right.tick_params(axis="x", labelsize=8)
    right.set_ylabel("chunks/s")
    right.set_title(f"Indexing throughput (ratio {ix['ratio']:.2f})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", nargs="?", default="run", choices=("run", "speed", "archive"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--local-cap", type=int, default=10_000, help="largest size run in qdrant-client local mode")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per engine and size")
    parser.add_argument("--docs", type=int, default=None,
                        help="documents for the indexing throughput run (24) or the archive (1000)")
    parser.add_argument("--work", help="archive: folder for the generated documents and index (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="archive: keep the temporary folder")
    parser.add_argument("--askers", type=int, default=8, help="archive: concurrent askers during the build")
    parser.add_argument("--think", type=float, default=5.0, help="archive: seconds an asker waits between questions")
    parser.add_argument("--index", default="/tmp/ngo-bench-corpus-index", help="corpus index for the cold start")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.command == "archive":
        from benchmarks.archive import main as archive_main

        args.docs = args.docs or 1000
        return archive_main(args)
    args.docs = args.docs or 24
    if args.command == "speed":
        from benchmarks.speed import main as speed_main

        return speed_main(args)
    return main_run(args)


if __name__ == "__main__":
    sys.exit(main())

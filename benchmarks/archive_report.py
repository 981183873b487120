"""The archive benchmark's figures as Markdown tables (``benchmarks/results/archive.md``)."""

from __future__ import annotations

from typing import Any

STAGE_NAMES = {
    "load": "load (read, parse PDF/HTML/DOCX/text)", "ocr": "OCR (scanned pages)",
    "repair": "repair (cleaning, OCR/text repair)", "chunk": "chunk (metadata, tables, passages, sentences)",
    "annotate": "annotate (postulate records, topics)", "lexical": "lexical (lemmas, BM25 terms)",
    "embed": "embed (passages and their sentences)", "store": "store (Qdrant Edge upsert, optimize, publish)",
    "model_load": "model load", "other": "other (discovery, hashing, manifest)",
}


def _f(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def render(r: dict[str, Any]) -> str:
    """All the figures of one archive run."""
    full, ask, kill, tess = r["full"], r["askers"], r["kill"], r["tesseract_alone"]
    kinds = ", ".join(f"{n} {k}" for k, n in r["kinds"].items())
    lines = [
        f"### Archive of {r['docs']:,} documents ({kinds}; {r['pages']:,} pages, {r['scan_pages']:,} of them scanned)",
        "",
        (f"Full build: **{full['wall_s']:.0f} s** for {full['documents']:,} documents indexed ({full['chunks']:,} passages, "
        f"{len(full['errors'])} documents refused), peak RSS of the build process "
        f"**{full['peak_rss_mb']:,.0f} MB**, while {ask['threads']} askers queried the live index."),
        "",
        "| stage | seconds | share | documents/s | pages/s | bound by |",
        "|---|---|---|---|---|---|",
    ]
    total = sum(row["seconds"] for row in r["stages"]) or 1.0
    for row in r["stages"]:
        lines.append(
            f"| {STAGE_NAMES[row['stage']]} | {_f(row['seconds'])} | {100 * row['seconds'] / total:.0f} % | "
            f"{_f(row['docs_s'])} | {_f(row['pages_s'])} | {_bound(row, tess)} |"
        )
    lines += [
        "",
        ("Stage times come from sampling the build thread's stack every 5 ms (the build's code is not changed); "
        "a stage's documents/s and pages/s count the documents and pages that pass through it."),
        "",
        "### Concurrent askers during the full build",
        "",
        "| askers | think time | asks during the build | errors | answered / abstained | p50 answer | p95 answer | all asks by old / new version |",
        "|---|---|---|---|---|---|---|---|",
        (f"| {ask['threads']} threads, one shared answerer | {ask['think_s']:.1f} s ± 50 % | {ask['during_build']} | **{ask['errors']}** | "
        f"{ask['answered']} / {ask['abstained']} | {_f(ask['p50_s'], 2)} s | {_f(ask['p95_s'], 2)} s | "
        f"{ask['answered_by_old_version']} / {ask['answered_by_new_version']} |"),
        "",
        "### Rebuild and kill -9",
        "",
    ]
    rb = r["rebuild"]
    lines += [
        (f"- Rebuild after {rb['changed']} documents changed ({', '.join(r['edited_kinds'])}; one paragraph added to each): "
        f"**{rb['wall_s']:.1f} s**, {rb['embedded']} passages embedded, {rb['reused']:,} reused, "
        f"{rb['unchanged']:,} documents copied unchanged; peak RSS {rb['peak_rss_mb']:,.0f} MB. Its stages: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(rb["stages_s"].items(), key=lambda kv: -kv[1]) if v >= 0.05) + "."),
        (f"- kill -9 of a rebuild while it embedded new documents: killed {kill['killed']}, previous version still live "
        f"{kill['live_unchanged']}, same search hits and answers to {kill['questions']} questions "
        f"{kill['same_answers']} ({kill['searched']} with hits, {kill['answered']} answered with citations), "
        f"unfinished versions left for the next build to remove: "
        f"{kill['unfinished_versions_left']}."),
        "",
        (f"Generation of the archive: {_f(r.get('generate_s'), 0)} s (– : reused from an earlier run). Benchmark wall time {r['total_s']:.0f} s. Machine: "
        f"{r['machine']['cpus']} CPUs, load average {r['machine']['load_avg'][0]:.1f} at the end (shared: figures are noisy)."),
    ]
    return "\n".join(lines)


def _bound(row: dict[str, Any], tess: dict[str, Any]) -> str:
    """What limits a stage, from the figures measured in the same run."""
    if row.get("note"):
        return row["note"]
    if row["stage"] == "ocr":
        if row.get("vs_tesseract_alone"):
            return (f"Tesseract: {tess['pages_s']:.2f} pages/s alone on the same pages ({tess['workers']} in parallel, "
                    f"OMP_THREAD_LIMIT=1) → **{row['vs_tesseract_alone']:.2f}×** of it")
        return "Tesseract (no baseline figure)"
    if row["stage"] == "embed" and row.get("chunks_s"):
        return (f"the model: {row['chunks_s']:.1f} passages/s against the raw model's {row['raw_model_chunks_s']:.1f} "
                f"in the same process (**{row['chunks_s'] / row['raw_model_chunks_s']:.2f}×**)")
    if row["stage"] == "store" and row.get("points_s"):
        return f"{row['points_s']:,.0f} points/s (dense + sparse + sentence vectors, HNSW optimize)"
    return ""

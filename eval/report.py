"""The evaluation report: Markdown tables and PNG plots in an output folder, and the latest one read back.

``write_report(results, out_dir)`` writes ``report.md``, ``results.json`` and the plots;
``latest_report(out_dir)`` returns the Markdown (without the image links) and the PNG paths,
for the app's report page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eval.gold import KINDS

DEFAULT_OUT = Path(__file__).with_name("out")
REPORT = "report.md"
RESULTS = "results.json"
PLOTS_MARKER = "<!-- plots -->"
PLOTS = ("systems.png", "by_kind_mrr.png", "by_kind_hit5.png", "latency.png", "answers.png")

RETRIEVAL_COLUMNS = ("hit@1", "hit@5", "hit@10", "recall@10", "mrr@10", "ndcg@10")
ANSWER_COLUMNS = ("citation_precision", "citation_recall", "key_fact_coverage", "false_abstention", "abstention_recall")

DEFINITIONS = """\
- **Questions**: `eval/questions.jsonl` (shipped corpus, which the answering was tuned on) and
  `eval/unseen/questions.jsonl` (the unseen corpus, written for evaluation by someone who had not
  read the answering code, indexed together with the shipped documents); each names its gold
  documents and key phrases; answerable ones also the key facts a correct answer states.
  Retrieval metrics use the answerable questions.
- **Passage level**: a relevant passage is one of the system's own passages (each system chunks
  differently) that comes from a gold document and contains a key phrase (compared without case
  and diacritics; a passage is read with its section headings, as the reader sees it).
  **Document level**: the ranking of distinct documents, the gold documents relevant.
- hit@k = Success@k, recall@10 = R@10, MRR@10 = RR@10, nDCG@10, each per question by
  ir-measures (trec_eval definitions) and averaged; a question whose system has no relevant
  passage at all counts 0.
- **Latency**: one query at a time after a warm-up (query embedding included), milliseconds.
- **Answers** (ours, extractive): citation precision = share of an answer's citations whose passage
  is correct (answered questions); citation recall = share of the key phrases found in the
  correctly cited passages; key-fact coverage = share of key facts with at least two thirds of their
  content words (lemmas or folded forms) in the answer; abstentions score 0 on both. Abstention
  precision = share of abstentions on unanswerable questions; abstention recall = share of
  unanswerable questions abstained on; false abstention = share of answerable questions abstained on.
- **Baselines**: lexical only = BM25 over Morfeusz lemmas (our sparse side alone); dense only =
  e5 cosine over our passages (our dense side alone; with lexical only, this is the "no fusion"
  ablation); LangChain tutorial = RecursiveCharacterTextSplitter(1000, 200) over the raw text,
  the same model and prompts, top-k cosine. **Ablations** (hybrid search, one thing removed):
  no text repair (text only normalised), no structure-aware chunks (the same prepared text,
  headings included, cut into fixed windows of our target size, no heading path), no
  best-sentence similarity (score fusion of the passage vector and BM25 only), plain RRF
  (reciprocal rank fusion of the passage and BM25 lists, weighted equally for every query).
"""


def _f(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(row) + " |" for row in rows]


SIDE_BY_SIDE = ("hit@1", "hit@5", "mrr@10")
SIDE_BY_SIDE_ANSWERS = ("citation_precision", "citation_recall", "abstention_recall", "false_abstention")


def markdown(results: dict[str, Any]) -> str:
    """The report: the corpora side by side, then each corpus's tables, the check, definitions."""
    corpora = {_corpus_name(results): results, **results.get("corpora", {})}
    lines = ["# Evaluation report", ""]
    if len(corpora) > 1:
        lines += _side_by_side(corpora)
    for name, block in corpora.items():
        label = block.get("meta", {}).get("corpus", {}).get("label", name)
        lines += ["", f"# Corpus: {label}", ""] + _corpus_markdown(block)
    if "check" in results:
        chk = results["check"]
        lines += ["", f"## Threshold check (`{chk.get('file', 'thresholds.json')}`)", ""]
        lines.append(f"{'PASSED' if chk['ok'] else 'FAILED'}: {chk['checked']} figures checked.")
        lines += [f"- {failure}" for failure in chk["failures"]]
        if chk["skipped"]:
            lines.append(f"- not in this run: {', '.join(chk['skipped'])}")
    lines += ["", "## Definitions", "", DEFINITIONS]
    return "\n".join(lines)


def _corpus_name(results: dict[str, Any]) -> str:
    return results.get("meta", {}).get("corpus", {}).get("name", "shipped")


def _side_by_side(corpora: dict[str, dict[str, Any]]) -> list[str]:
    """Passage-level retrieval of every system and our answer figures, one column per corpus."""
    names = list(corpora)
    lines = ["## Seen and unseen side by side", ""]
    header = ["system"] + [f"{c} {m}" for m in SIDE_BY_SIDE for c in names]
    first = corpora[names[0]]["systems"]
    rows = []
    for system, res in first.items():
        row = [res["label"]]
        for metric in SIDE_BY_SIDE:
            for c in names:
                other = corpora[c]["systems"].get(system)
                row.append(_f(other["passage"]["overall"].get(metric)) if other else "—")
        rows.append(row)
    lines += _table(header, rows)
    if all("answers" in corpora[c] for c in names):
        lines += [""]
        rows = [[metric] + [_f(corpora[c]["answers"]["overall"].get(metric)) for c in names] for metric in SIDE_BY_SIDE_ANSWERS]
        lines += _table(["answers (ours)", *names], rows)
    return lines


def _corpus_markdown(results: dict[str, Any]) -> list[str]:
    """One corpus's tables: overall retrieval, per kind, losses, answers."""
    meta, systems = results.get("meta", {}), results["systems"]
    k = meta.get("k", 10)
    lines = [
        f"{meta.get('finished_at', '')}: {meta.get('questions')} questions "
        f"({meta.get('answerable')} answerable), index version `{meta.get('index_version')}`, "
        f"top {k}, metrics by {meta.get('metrics_library', 'ir-measures')}; the run took "
        f"{meta.get('seconds')} s.",
        "",
        "## Retrieval, passage level",
        "",
    ]
    rows: list[list[str]] = []
    for res in systems.values():
        p = res["passage"]["overall"]
        rows.append(
            [res["label"]]
            + [_f(p.get(c)) for c in RETRIEVAL_COLUMNS]
            + [f"{res['latency']['p50_ms']:.0f}", f"{res['latency']['p95_ms']:.0f}", str(res["passages_indexed"])]
        )
    lines += _table(["system", *RETRIEVAL_COLUMNS, "p50 ms", "p95 ms", "passages"], rows)
    lines += ["", "## Retrieval, document level", ""]
    rows = [[res["label"]] + [_f(res["document"]["overall"].get(c)) for c in RETRIEVAL_COLUMNS] for res in systems.values()]
    lines += _table(["system", *RETRIEVAL_COLUMNS], rows)
    for metric in (f"mrr@{k}", "hit@5"):
        lines += ["", f"## Passage {metric} by question kind (best in bold)", ""]
        lines += _by_kind_table(systems, metric)
    lines += ["", "## Where ours is below another system (passage level)", ""]
    found = results.get("losses", [])
    if found:
        lines += _table(
            ["kind", "metric", "system", "ours", "theirs", "n"],
            [[x["kind"], x["metric"], systems[x["system"]]["label"], _f(x["ours"]), _f(x["theirs"]), str(x["n"])] for x in found],
        )
    else:
        lines.append("Nowhere: ours matches or beats every system on MRR@10 and hit@5, overall and per kind.")
    if "answers" in results:
        lines += ["", "## Answers (ours)", ""] + _answers_table(results["answers"])
    misses = systems.get("ours", {}).get("misses")
    if misses:
        lines += ["", f"Questions with no correct passage in ours' top 5: {', '.join(misses)}."]
    return lines


def _by_kind_table(systems: dict[str, Any], metric: str) -> list[str]:
    names = list(systems)
    kinds = [kd for kd in KINDS if any(kd in s["passage"]["by_kind"] for s in systems.values())]
    rows = []
    for scope in kinds + ["overall"]:
        values = [(s["passage"]["overall"] if scope == "overall" else s["passage"]["by_kind"].get(scope, {})).get(metric) for s in systems.values()]
        best = max((v for v in values if v is not None), default=None)
        n = (systems[names[0]]["passage"]["overall"] if scope == "overall" else systems[names[0]]["passage"]["by_kind"][scope])["n"]
        rows.append([scope, str(n)] + [f"**{_f(v)}**" if v is not None and best is not None and v >= best - 1e-9 else _f(v) for v in values])
    return _table(["kind", "n", *names], rows)


def _answers_table(answers: dict[str, Any]) -> list[str]:
    rows = []
    for scope, block in list(answers["by_kind"].items()) + [("overall", answers["overall"])]:
        rows.append([scope, str(block["n"])] + [_f(block.get(c)) for c in ANSWER_COLUMNS])
    over = answers["overall"]
    lat = answers.get("latency", {})
    return _table(["kind", "n", *ANSWER_COLUMNS], rows) + [
        "",
        f"Abstention precision {_f(over.get('abstention_precision'))}, abstention recall "
        f"{_f(over.get('abstention_recall'))}, false abstention {_f(over.get('false_abstention'))}; "
        f"answer latency p50 {lat.get('p50_ms', 0):.0f} ms, p95 {lat.get('p95_ms', 0):.0f} ms.",
    ]


# --------------------------------------------------------------------------- plots


def plot(results: dict[str, Any], out_dir: Path) -> list[Path]:
    """PNG plots of the run in ``out_dir``: metrics by system, by kind (MRR@10, hit@5), latency, answers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    systems = results["systems"]
    names = list(systems)
    k = results.get("meta", {}).get("k", 10)
    paths: list[Path] = []

    def save(fig: Any, name: str) -> None:
        fig.tight_layout()
        path = out_dir / name
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)

    metrics = ["hit@1", "hit@5", f"mrr@{k}", f"ndcg@{k}", f"recall@{k}"]
    fig, ax = plt.subplots(figsize=(11, 4.8))
    width = 0.8 / len(names)
    x = np.arange(len(metrics))
    for i, name in enumerate(names):
        ax.bar(x + i * width, [systems[name]["passage"]["overall"][m] for m in metrics], width, label=systems[name]["label"])
    ax.set_xticks(x + width * (len(names) - 1) / 2, [f"passage {m}" for m in metrics])
    ax.set_ylim(0, 1)
    ax.set_title("Retrieval by system (passage level, all answerable questions)")
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4)
    save(fig, "systems.png")

    kinds = [kd for kd in KINDS if kd in systems[names[0]]["passage"]["by_kind"]]
    for metric, name in ((f"mrr@{k}", "by_kind_mrr.png"), ("hit@5", "by_kind_hit5.png")):
        grid = np.array([[systems[s]["passage"]["by_kind"][kd][metric] for s in names] for kd in kinds])
        fig, ax = plt.subplots(figsize=(11, 5.2))
        image = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
        ax.set_xticks(range(len(names)), [systems[s]["label"] for s in names], rotation=25, ha="right", fontsize=8)
        ax.set_yticks(range(len(kinds)), [f"{kd} (n={systems[names[0]]['passage']['by_kind'][kd]['n']})" for kd in kinds])
        for r in range(len(kinds)):
            for c in range(len(names)):
                ax.text(c, r, f"{grid[r, c]:.2f}", ha="center", va="center", fontsize=8, color="white" if grid[r, c] < 0.6 else "black")
        fig.colorbar(image, ax=ax)
        ax.set_title(f"Passage {metric} by question kind and system")
        save(fig, name)

    fig, ax = plt.subplots(figsize=(9, 4.5))
    labels = [systems[s]["label"] for s in names]
    p50 = [systems[s]["latency"]["p50_ms"] for s in names]
    p95 = [systems[s]["latency"]["p95_ms"] for s in names]
    if "answers" in results:
        labels.append("ours: full answer (ask)")
        p50.append(results["answers"]["latency"]["p50_ms"])
        p95.append(results["answers"]["latency"]["p95_ms"])
    y = np.arange(len(labels))
    for offset, values, name in ((-0.2, p50, "p50"), (0.2, p95, "p95")):
        bars = ax.barh(y + offset, values, 0.4, label=name)
        ax.bar_label(bars, [f"{v:.0f}" for v in values], fontsize=7, padding=2)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("milliseconds per query")
    ax.set_title("Query latency")
    ax.legend()
    save(fig, "latency.png")

    if "answers" in results:
        by_kind = results["answers"]["by_kind"]
        scopes = [kd for kd in KINDS if kd in by_kind and kd != "unanswerable"]
        cols = ["citation_precision", "citation_recall", "key_fact_coverage", "false_abstention"]
        fig, ax = plt.subplots(figsize=(11, 4.5))
        width = 0.8 / len(cols)
        x = np.arange(len(scopes))
        for i, col in enumerate(cols):
            ax.bar(x + i * width, [by_kind[s].get(col) or 0.0 for s in scopes], width, label=col.replace("_", " "))
        ax.set_xticks(x + width * (len(cols) - 1) / 2, scopes, fontsize=9)
        ax.set_ylim(0, 1)
        over = results["answers"]["overall"]
        ax.set_title(
            "Answers by question kind (ours) — abstention on unanswerable: "
            f"recall {_f(over.get('abstention_recall'))}, precision {_f(over.get('abstention_precision'))}"
        )
        ax.legend(fontsize=8)
        save(fig, "answers.png")
    return paths


# --------------------------------------------------------------------------- files


def write_report(results: dict[str, Any], out_dir: Path = DEFAULT_OUT) -> tuple[Path, list[Path]]:
    """Write ``report.md``, ``results.json`` and the plots into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in PLOTS:  # a plot this run does not make must not survive from an older one
        (out_dir / name).unlink(missing_ok=True)
    pngs = plot(results, out_dir)
    text = markdown(results) + f"\n{PLOTS_MARKER}\n## Plots\n\n" + "\n\n".join(f"![{p.stem}]({p.name})" for p in pngs) + "\n"
    report = out_dir / REPORT
    report.write_text(text, encoding="utf-8")
    (out_dir / RESULTS).write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return report, pngs


def latest_report(out_dir: Path = DEFAULT_OUT) -> tuple[str, list[Path]]:
    """The latest report's Markdown (tables, without image links) and its PNG paths, in order;
    ``("", [])`` when no evaluation has been written to ``out_dir`` yet."""
    path = Path(out_dir) / REPORT
    if not path.is_file():
        return "", []
    text = path.read_text(encoding="utf-8").split(PLOTS_MARKER, 1)[0].rstrip() + "\n"
    return text, [Path(out_dir) / name for name in PLOTS if (Path(out_dir) / name).is_file()]

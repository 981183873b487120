"""Retrieval metrics over the gold questions, and the abstention calibration."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from eval.gold import Question, doc_matches, passage_matches

MODES_LABEL = {"hybrid": "hybrid (RRF)", "dense": "dense only", "sparse": "lexical only"}


def first_relevant_rank(hits: list[Any], question: Question, level: str = "passage") -> int | None:
    """1-based rank of the first correct hit, or ``None``."""
    for hit in hits:
        ok = (
            passage_matches(hit.text, hit.source, question)
            if level == "passage"
            else doc_matches(hit.source, question)
        )
        if ok:
            return hit.rank
    return None


def summarize(ranks: list[int | None], k: int) -> dict[str, float]:
    n = len(ranks) or 1
    return {
        "hit@1": sum(r is not None and r <= 1 for r in ranks) / n,
        "hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
        f"hit@{k}": sum(r is not None and r <= k for r in ranks) / n,
        f"mrr@{k}": sum(1.0 / r for r in ranks if r is not None and r <= k) / n,
        "n": len(ranks),
    }


def run_retrieval(retriever: Any, questions: list[Question], mode: str, k: int = 10) -> dict[str, Any]:
    """Search every answerable question in ``mode`` and score passage- and document-level ranks."""
    answerable = [q for q in questions if q.answerable]
    results = retriever.search_many([q.question for q in answerable], k=k, mode=mode)
    out: dict[str, Any] = {}
    for level in ("passage", "document"):
        ranks = [first_relevant_rank(hits, q, level) for q, hits in zip(answerable, results)]
        by_kind: dict[str, list[int | None]] = defaultdict(list)
        for q, r in zip(answerable, ranks):
            by_kind[q.kind].append(r)
        out[level] = {"overall": summarize(ranks, k), "by_kind": {kd: summarize(v, k) for kd, v in sorted(by_kind.items())}}
        if level == "passage":
            out["misses"] = [q.id for q, r in zip(answerable, ranks) if r is None or r > 5]
    return out


def retrieval_table(results: dict[str, Any], k: int = 10) -> str:
    """A Markdown table: one row per system, passage-level and document-level figures."""
    lines = [
        f"| system | hit@1 | hit@5 | MRR@{k} | doc hit@1 | doc MRR@{k} | n |",
        "|---|---|---|---|---|---|---|",
    ]
    for mode, res in results.items():
        p, d = res["passage"]["overall"], res["document"]["overall"]
        lines.append(
            f"| {MODES_LABEL.get(mode, mode)} | {p['hit@1']:.3f} | {p['hit@5']:.3f} | {p[f'mrr@{k}']:.3f} "
            f"| {d['hit@1']:.3f} | {d[f'mrr@{k}']:.3f} | {p['n']} |"
        )
    kinds = sorted(next(iter(results.values()))["passage"]["by_kind"])
    lines += ["", f"Passage MRR@{k} by question kind:", "", "| kind | " + " | ".join(MODES_LABEL.get(m, m) for m in results) + " | n |", "|---|" + "---|" * (len(results) + 1)]
    for kind in kinds:
        row = [f"{results[m]['passage']['by_kind'][kind][f'mrr@{k}']:.3f}" for m in results]
        n = next(iter(results.values()))["passage"]["by_kind"][kind]["n"]
        lines.append(f"| {kind} | " + " | ".join(row) + f" | {n} |")
    return "\n".join(lines)


def calibrate_abstention(answerer: Any, questions: list[Question], max_false_abstention: float = 0.05) -> dict[str, Any]:
    """Choose the evidence threshold below which the assistant abstains.

    Refusing an answerable question costs a user more than a weak answer to an unanswerable
    one (which still shows its sources), so the threshold is the highest one that abstains on
    at most ``max_false_abstention`` of the answerable questions.
    """
    answerer.calibration = {**answerer.calibration, "min_evidence": -1.0}
    scores = [(answerer.ask(q.question).evidence, q.answerable) for q in questions]
    answerable = sorted(s for s, a in scores if a)
    unanswerable = [s for s, a in scores if not a]
    allowed = int(max_false_abstention * len(answerable))  # answerable questions we may refuse
    # abstain when evidence < threshold: put it just above the ``allowed`` lowest answerable scores
    threshold = answerable[allowed] - 1e-6 if answerable else 0.0
    n_pos, n_neg = len(answerable) or 1, len(unanswerable) or 1
    report = {
        "threshold": round(threshold, 4),
        "abstention_recall_unanswerable": round(sum(s < threshold for s in unanswerable) / n_neg, 4),
        "false_abstention_answerable": round(sum(s < threshold for s in answerable) / n_pos, 4),
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
    }
    calibration = {**answerer.calibration, "min_evidence": round(threshold, 4)}
    return {"calibration": calibration, "report": report}

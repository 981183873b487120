"""Retrieval metrics over the gold questions (computed by ``ir_measures``), latency figures,
and the abstention calibration.

Every retrieval figure is the mean of a per-question value that ``ir_measures`` (trec_eval's
definitions through ``pytrec_eval``) computes from a run and its relevance judgements, so the
numbers mean what evaluators expect; only the grouping by question kind is done here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from eval.gold import Question

K = 10


def measures(k: int = K) -> dict[str, Any]:
    """Our metric names and the ``ir_measures`` measure behind each."""
    from ir_measures import RR, R, Success, nDCG

    return {
        "hit@1": Success @ 1,
        "hit@5": Success @ 5,
        f"hit@{k}": Success @ k,
        f"recall@{k}": R @ k,
        f"mrr@{k}": RR @ k,
        f"ndcg@{k}": nDCG @ k,
    }


def metric_names(k: int = K) -> list[str]:
    return list(measures(k))


def per_question(qrels: Mapping[str, Iterable[str]], run: Mapping[str, Sequence[str]], k: int = K) -> dict[str, dict[str, float]]:
    """Metric values per question id.

    ``qrels`` maps a question to its relevant item ids, ``run`` to the ids a system returned,
    best first. A question without results, or without any relevant item in the system's index,
    scores 0 on everything (``ir_measures`` would silently leave it out of the mean).
    """
    import ir_measures

    wanted = measures(k)
    by_measure = {measure: name for name, measure in wanted.items()}
    scores = {qid: dict.fromkeys(wanted, 0.0) for qid in qrels}
    judged = [ir_measures.Qrel(qid, item, 1) for qid, items in qrels.items() for item in items]
    ranked = [
        # strictly decreasing scores: trec_eval orders by score, so ties must not reorder a run
        ir_measures.ScoredDoc(qid, item, 1.0 / rank)
        for qid, items in run.items()
        if qid in scores
        for rank, item in enumerate(_unique(items)[:k], start=1)
    ]
    if judged and ranked:
        for metric in ir_measures.iter_calc(list(wanted.values()), judged, ranked):
            scores[metric.query_id][by_measure[metric.measure]] = float(metric.value)
    return scores


def _unique(items: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(items))


def aggregate(scores: Mapping[str, Mapping[str, float]], questions: Sequence[Question]) -> dict[str, Any]:
    """Means over all questions scored and per question kind (each with its ``n``)."""
    kind_of = {q.id: q.kind for q in questions}
    groups: dict[str, list[Mapping[str, float]]] = defaultdict(list)
    for qid, values in scores.items():
        groups[kind_of[qid]].append(values)
    return {
        "overall": _mean(list(scores.values())),
        "by_kind": {kind: _mean(groups[kind]) for kind in sorted(groups)},
    }


def _mean(rows: list[Mapping[str, float]]) -> dict[str, float]:
    if not rows:
        return {"n": 0}
    out: dict[str, float] = {name: float(np.mean([r[name] for r in rows])) for name in rows[0]}
    out["n"] = len(rows)
    return out


def latency(seconds: Sequence[float]) -> dict[str, float]:
    """Median, 95th percentile and mean of per-query times, in milliseconds."""
    if not seconds:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "mean_ms": 0.0, "n": 0}
    ms = np.asarray(seconds, dtype=float) * 1000.0
    return {
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "mean_ms": float(ms.mean()),
        "n": int(ms.size),
    }


def run_retrieval(retriever: Any, questions: list[Question], mode: str, k: int = K) -> dict[str, Any]:
    """Search every answerable question with ``retriever`` in ``mode`` and score it at passage and
    document level (kept for callers that evaluate one retriever; the full suite is eval.suite)."""
    from eval.systems import IndexSystem, evaluate_system

    return evaluate_system(IndexSystem(mode, mode, retriever, mode=mode), questions, k=k)

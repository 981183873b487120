"""Answer metrics and the abstention model: citation precision, abstention precision and recall,
false abstention, with cross-validated and in-sample figures side by side.

``python -m eval.answers [--index DIR] [--json]`` asks every evaluation question and prints the
figures with the shipped calibration; ``python -m eval.answers fit`` refits the abstention model
on the questions (5-fold cross-validation, repeated, reported first) and writes
``assistant/calibration.json``.

Definitions:

* citation precision: among an answered answerable question's citations, the share whose
  cited passage is correct (from a gold document and containing a key phrase), averaged over
  answered answerable questions (the evaluation suite's definition); ``micro`` pools citations;
* abstention recall: share of unanswerable questions abstained on; abstention precision: share
  of abstentions that were on unanswerable questions; false abstention: share of answerable
  questions abstained on;
* verbatim quotes: every citation's quote is a substring of its cited passage (must be all).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from eval.gold import Question, doc_matches, folded, load_questions
from indexer.settings import Settings

# Abstain on at most this share of the answerable training questions when placing the threshold
# (cross-validation shows what it gives on unseen questions).
TARGET_FALSE_ABSTENTION = 0.03
L2 = 1.0
ON_TOPIC_PERCENTILE = 5.0
FOLDS = 5
REPEATS = 20


@dataclass
class Row:
    """One question: its evidence features and the answer it gets when abstention is off."""

    question: Question
    features: dict[str, float]
    reasons: list[str]
    answer: Any
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def collect(answerer: Any, questions: Sequence[Question]) -> list[Row]:
    """Ask every question once; keep the features and the answer it would get."""
    rows = []
    for q in questions:
        t0 = time.perf_counter()
        gathered = answerer.gather(q.question)
        answer = answerer.answer_from(gathered, allow_abstention=False)
        rows.append(Row(q, dict(gathered.evidence.features), list(gathered.reasons), answer, time.perf_counter() - t0))
    return rows


def citation_correct(citation: Any, question: Question) -> bool:
    """The cited passage comes from a gold document and contains one of the key phrases."""
    if not doc_matches(citation.doc_id or citation.source, question):
        return False
    passage = folded(citation.passage)
    return any(folded(p) in passage for p in question.key_phrases)


def decisions(rows: Sequence[Row], calibration: dict[str, Any]) -> list[bool]:
    """Abstain or not, for every row, under ``calibration`` (rules first, then the model)."""
    from assistant.answer.evidence import AbstentionModel

    model = AbstentionModel.from_json(calibration["abstention"]) if calibration.get("abstention") else None
    threshold = float(calibration.get("min_evidence", 0.5))
    out = []
    for row in rows:
        if row.reasons:
            out.append(True)
        elif model is None:
            out.append(row.features.get("dense", 0.0) < threshold)
        else:
            out.append(model.probability(row.features) < threshold)
    return out


def answer_metrics(rows: Sequence[Row], abstained: Sequence[bool]) -> dict[str, Any]:
    """Citation precision, abstention precision/recall and false abstention of one decision set."""
    answerable = [(r, a) for r, a in zip(rows, abstained) if r.question.answerable]
    unanswerable = [(r, a) for r, a in zip(rows, abstained) if not r.question.answerable]
    answered = [r for r, a in answerable if not a and r.answer.citations]
    per_question = [
        sum(citation_correct(c, r.question) for c in r.answer.citations) / len(r.answer.citations) for r in answered
    ]
    pooled = [citation_correct(c, r.question) for r in answered for c in r.answer.citations]
    document_level = [
        sum(doc_matches(c.doc_id or c.source, r.question) for c in r.answer.citations) / len(r.answer.citations)
        for r in answered
    ]
    n_abstained = sum(abstained)
    return {
        "citation_precision": float(np.mean(per_question)) if per_question else None,
        "citation_precision_micro": float(np.mean(pooled)) if pooled else None,
        "citation_precision_document": float(np.mean(document_level)) if document_level else None,
        "first_citation_precision": (
            float(np.mean([citation_correct(r.answer.citations[0], r.question) for r in answered])) if answered else None
        ),
        "abstention_recall": sum(a for _r, a in unanswerable) / len(unanswerable) if unanswerable else None,
        "abstention_precision": (
            sum(not r.question.answerable for r, a in zip(rows, abstained) if a) / n_abstained if n_abstained else None
        ),
        "false_abstention": sum(a for _r, a in answerable) / len(answerable) if answerable else None,
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "n_answered": len(answered),
        "verbatim_quotes": all(c.quote and c.quote in c.passage for r in rows for c in r.answer.citations),
    }


def _labels(rows: Sequence[Row]) -> np.ndarray:
    return np.array([int(r.question.answerable) for r in rows])


def fit_calibration(
    rows: Sequence[Row],
    features: Sequence[str] | None = None,
    target: float = TARGET_FALSE_ABSTENTION,
    l2: float = L2,
    percentile: float = ON_TOPIC_PERCENTILE,
) -> dict[str, Any]:
    """Fit the logistic model on the rows no rule decides, and place its threshold so that at
    most ``target`` of those answerable questions fall below it."""
    from assistant.answer.evidence import MODEL_FEATURES, fit_logistic, on_topic_references

    features = list(features or MODEL_FEATURES)
    open_rows = [r for r in rows if not r.reasons] or list(rows)
    x = [r.features for r in open_rows]
    y = _labels(open_rows)
    references = on_topic_references(x, y, percentile)
    model = fit_logistic(x, y, features, l2=l2, references=references)
    p = np.sort([model.probability(f) for f, label in zip(x, y) if label])
    k = int(np.floor(target * len(p)))
    threshold = float(p[k] - 1e-6) if len(p) else 0.5
    model.threshold = threshold
    return {"min_evidence": round(threshold, 6), "abstention": model.to_json()}


def cross_validate(
    rows: Sequence[Row], folds: int = FOLDS, repeats: int = REPEATS, **fit_args: Any
) -> dict[str, Any]:
    """Repeated stratified k-fold: fit on k-1 folds, decide on the held-out fold."""
    y = _labels(rows)
    recall, false_abst, precision, cit = [], [], [], []
    for rep in range(repeats):
        rng = np.random.default_rng(rep)
        fold = np.empty(len(rows), dtype=int)
        for label in (0, 1):
            idx = np.where(y == label)[0]
            rng.shuffle(idx)
            fold[idx] = np.arange(len(idx)) % folds
        abstained = [False] * len(rows)
        for f in range(folds):
            train = [rows[i] for i in np.where(fold != f)[0]]
            test_idx = np.where(fold == f)[0]
            calibration = fit_calibration(train, **fit_args)
            for i, decision in zip(test_idx, decisions([rows[i] for i in test_idx], calibration)):
                abstained[i] = decision
        m = answer_metrics(rows, abstained)
        recall.append(m["abstention_recall"])
        false_abst.append(m["false_abstention"])
        precision.append(m["abstention_precision"] or 0.0)
        cit.append(m["citation_precision"] or 0.0)
    return {
        "abstention_recall": float(np.mean(recall)),
        "abstention_recall_std": float(np.std(recall)),
        "false_abstention": float(np.mean(false_abst)),
        "false_abstention_std": float(np.std(false_abst)),
        "abstention_precision": float(np.mean(precision)),
        "citation_precision": float(np.mean(cit)),
        "folds": folds,
        "repeats": repeats,
    }


def by_kind(rows: Sequence[Row], abstained: Sequence[bool]) -> dict[str, dict[str, Any]]:
    kinds: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        kinds.setdefault(r.question.kind, []).append(i)
    return {
        kind: answer_metrics([rows[i] for i in idx], [abstained[i] for i in idx]) for kind, idx in sorted(kinds.items())
    }


def report(rows: Sequence[Row], calibration: dict[str, Any], cv: dict[str, Any] | None = None) -> dict[str, Any]:
    abstained = decisions(rows, calibration)
    out = {
        "in_sample": answer_metrics(rows, abstained),
        "by_kind": by_kind(rows, abstained),
        "abstained_answerable": [r.question.id for r, a in zip(rows, abstained) if a and r.question.answerable],
        "answered_unanswerable": [r.question.id for r, a in zip(rows, abstained) if not a and not r.question.answerable],
        "decided_by_rules": sum(bool(r.reasons) for r in rows),
        "latency_ms_p50": round(float(np.percentile([r.seconds for r in rows], 50)) * 1000, 1),
    }
    if cv is not None:
        out["cross_validated"] = cv
    return out


def verification_pairs(answerer: Any, questions: Sequence[Question], k: int = 5) -> list[tuple[float, float, float, int]]:
    """(lemma overlap, similarity, supported) for every key fact of the answerable questions
    against each of the question's top passages: a fact is supported by a gold passage (gold
    document with a key phrase) and not by the others. Key facts are short paraphrases, as an
    LLM's sentences are."""
    import numpy as np_

    from assistant.generation.verification import Verifier

    pairs = []
    embedder = answerer.retriever.embedder
    for q in questions:
        if not q.answerable or not q.key_facts:
            continue
        hits = answerer.retriever.search(q.question, k=k)
        if not hits:
            continue
        verifier = Verifier(embedder, [h.text for h in hits], question=q.question)
        for fact in q.key_facts:
            vec = np_.asarray(embedder.encode_passages([fact])[0])
            for n, hit in enumerate(hits, start=1):
                label = int(citation_correct(type("C", (), {"doc_id": hit.doc_id, "source": hit.source, "passage": hit.text})(), q))
                overlap, novel, similarity = verifier.support(fact, vec, n)
                pairs.append((overlap, novel, similarity, label))
    return pairs


def fit_verification(pairs: Sequence[tuple[float, float, float, int]]) -> dict[str, Any]:
    """The (min overlap, min overlap of added words, min similarity) with the best F1 at telling
    supporting passages from the others, and its precision and recall."""
    arr = np.array(pairs, dtype=float)
    positives = max(float(np.sum(arr[:, 3] == 1)), 1.0)
    best: tuple[float, ...] = (-1.0, 0.5, 0.5, 0.84, 0.0, 0.0)
    for t_overlap in np.arange(0.2, 0.95, 0.05):
        for t_novel in np.arange(0.0, 0.95, 0.1):
            for t_sim in np.arange(0.78, 0.93, 0.005):
                keep = (arr[:, 0] >= t_overlap) & (arr[:, 1] >= t_novel) & (arr[:, 2] >= t_sim)
                tp = float(np.sum(keep & (arr[:, 3] == 1)))
                precision = tp / max(float(keep.sum()), 1.0)
                recall = tp / positives
                f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
                if f1 > best[0] + 1e-9:
                    best = (f1, float(t_overlap), float(t_novel), float(t_sim), precision, recall)
    f1, t_overlap, t_novel, t_sim, precision, recall = best
    return {
        "min_overlap": round(t_overlap, 3),
        "min_novel_overlap": round(t_novel, 3),
        "min_similarity": round(t_sim, 3),
        "fit": {"f1": round(f1, 3), "precision": round(precision, 3), "recall": round(recall, 3), "pairs": len(pairs)},
    }


def _fmt(value: Any) -> str:
    return "—" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)


def print_report(result: dict[str, Any]) -> None:
    ins = result["in_sample"]
    print("| figure | in-sample | cross-validated |")
    print("|---|---|---|")
    cv = result.get("cross_validated") or {}
    for key in ("citation_precision", "abstention_recall", "false_abstention", "abstention_precision"):
        print(f"| {key.replace('_', ' ')} | {_fmt(ins.get(key))} | {_fmt(cv.get(key))} |")
    print(f"| citation precision (pooled citations) | {_fmt(ins['citation_precision_micro'])} | |")
    print(f"| first citation precision | {_fmt(ins['first_citation_precision'])} | |")
    print(f"| citation precision, document level (cited passage from a gold document) | {_fmt(ins['citation_precision_document'])} | |")
    if cv:
        print(
            f"\ncross-validated: {cv['folds']}-fold × {cv['repeats']} repeats; recall ± {cv['abstention_recall_std']:.3f}, "
            f"false abstention ± {cv['false_abstention_std']:.3f}"
        )
    print(f"every quote verbatim in its passage: {ins['verbatim_quotes']}")
    print(f"answerable {ins['n_answerable']}, unanswerable {ins['n_unanswerable']}; decided by rules: {result['decided_by_rules']}")
    print(f"abstained on answerable: {', '.join(result['abstained_answerable']) or '—'}")
    print(f"answered unanswerable: {', '.join(result['answered_unanswerable']) or '—'}")
    print("\n| kind | citation precision | document level | abstention recall | false abstention | n |")
    print("|---|---|---|---|---|---|")
    for kind, m in result["by_kind"].items():
        n = m["n_answerable"] + m["n_unanswerable"]
        print(
            f"| {kind} | {_fmt(m['citation_precision'])} | {_fmt(m['citation_precision_document'])} "
            f"| {_fmt(m['abstention_recall'])} | {_fmt(m['false_abstention'])} | {n} |"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.answers", description="Answer metrics and abstention calibration.")
    parser.add_argument("command", nargs="?", default="report", choices=("report", "fit"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    args = parser.parse_args(argv)

    from assistant.answer.answering import CALIBRATION_FILE, Answerer, load_calibration
    from assistant.retrieval.retriever import Retriever
    from eval.__main__ import _ensure_index

    settings = Settings.from_env(index_dir=args.index)
    _ensure_index(settings)
    retriever = Retriever(settings)
    retriever.warm_up()
    calibration = load_calibration()
    answerer = Answerer(retriever, calibration)
    rows = collect(answerer, load_questions())
    cv = None if args.no_cv else cross_validate(rows)
    if args.command == "fit":
        fitted = fit_calibration(rows)
        verification = fit_verification(verification_pairs(answerer, load_questions()))
        calibration = {
            **{k: v for k, v in calibration.items() if k not in ("min_evidence", "abstention", "weights", "verification")},
            **fitted,
            "verification": verification,
        }
        print(f"verification thresholds: {verification}", file=sys.stderr)
        CALIBRATION_FILE.write_text(json.dumps(calibration, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
    result = report(rows, calibration, cv)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print_report(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

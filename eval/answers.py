"""Answer metrics and the fitted answering: the scorer and the abstention model, with in-sample,
fit-on-shipped-checked-on-unseen and grouped cross-validated figures side by side.

``python -m eval.answers [--index DIR] [--json]`` retrieves every question of both corpora once and
prints the figures under the current calibration and refitted (see :mod:`eval.fitting`);
``python -m eval.answers fit`` also writes the calibration fitted on every question, with the LLM
verification thresholds, to ``assistant/answer/calibration.json``.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from eval.gold import Question, doc_matches, folded
from indexer.settings import Settings

# Abstain on at most this share of the answerable training questions when placing the threshold
# (cross-validation shows what it gives on unseen questions).


@dataclass
class Row:
    """One question: its evidence features and the answer it gets when abstention is off."""

    question: Question
    features: dict[str, float]
    reasons: list[str]
    answer: Any
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def citation_correct(citation: Any, question: Question) -> bool:
    """The cited passage comes from a gold document and contains one of the key phrases."""
    if not doc_matches(citation.doc_id or citation.source, question):
        return False
    passage = folded(citation.passage)
    return any(folded(p) in passage for p in question.key_phrases)


def answer_metrics(rows: Sequence[Row], abstained: Sequence[bool]) -> dict[str, Any]:
    """Citation precision, abstention precision/recall and false abstention of one decision set."""
    answerable = [(r, a) for r, a in zip(rows, abstained) if r.question.answerable]
    unanswerable = [(r, a) for r, a in zip(rows, abstained) if not r.question.answerable]
    answered = [r for r, a in answerable if not a and r.answer.citations]
    per_question = [sum(citation_correct(c, r.question) for c in r.answer.citations) / len(r.answer.citations) for r in answered]
    pooled = [citation_correct(c, r.question) for r in answered for c in r.answer.citations]
    document_level = [sum(doc_matches(c.doc_id or c.source, r.question) for c in r.answer.citations) / len(r.answer.citations) for r in answered]
    n_abstained = sum(abstained)
    return {
        "citation_precision": float(np.mean(per_question)) if per_question else None,
        "citation_precision_micro": float(np.mean(pooled)) if pooled else None,
        "citation_precision_document": float(np.mean(document_level)) if document_level else None,
        "first_citation_precision": (float(np.mean([citation_correct(r.answer.citations[0], r.question) for r in answered])) if answered else None),
        "abstention_recall": sum(a for _r, a in unanswerable) / len(unanswerable) if unanswerable else None,
        "abstention_precision": (sum(not r.question.answerable for r, a in zip(rows, abstained) if a) / n_abstained if n_abstained else None),
        "false_abstention": sum(a for _r, a in answerable) / len(answerable) if answerable else None,
        "n_answerable": len(answerable),
        "n_unanswerable": len(unanswerable),
        "n_answered": len(answered),
        "verbatim_quotes": all(c.quote and c.quote in c.passage for r in rows for c in r.answer.citations),
    }


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


FIGURES = ("citation_precision", "citation_recall", "key_fact_coverage", "abstention_recall", "false_abstention")


def evaluate_calibrations(rows: Sequence[Any], current: dict[str, Any], cv: bool = True, scorer: bool = True) -> dict[str, Any]:
    """The answer figures per corpus under: the current calibration; one fitted on every
    question (in-sample); fitted on the shipped corpus alone (checked on the unseen one); and
    grouped cross-validation (whole documents left out)."""
    from eval import fitting

    result: dict[str, Any] = {}
    result["current"] = fitting.measure(rows, [fitting.answer(r, current) for r in rows])
    fitted = fitting.fit(rows, current, scorer=scorer)
    result["in_sample"] = fitting.measure(rows, [fitting.answer(r, fitted) for r in rows])
    shipped = [r for r in rows if r.corpus == "shipped"]
    if shipped and len(shipped) < len(rows):
        from_shipped = fitting.fit(shipped, current, scorer=scorer)
        result["fit_on_shipped"] = fitting.measure(rows, [fitting.answer(r, from_shipped) for r in rows])
    if cv:
        result["cross_validated"] = fitting.cross_validate(rows, current, scorer=scorer)
    result["calibration"] = fitted
    return result


def print_result(result: dict[str, Any]) -> None:
    """One table: a row per figure and corpus, a column per calibration."""
    columns = [c for c in ("current", "in_sample", "fit_on_shipped", "cross_validated") if c in result]
    print("| corpus | figure | " + " | ".join(c.replace("_", " ") for c in columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for corpus in result["current"]:
        for key in FIGURES:
            values = [_fmt(result[c].get(corpus, {}).get(key)) for c in columns]
            print(f"| {corpus} | {key.replace('_', ' ')} | " + " | ".join(values) + " |")
    cv = result.get("cross_validated")
    if cv:
        print(f"\ncross-validated: {cv['folds']}-fold grouped by document × {cv['repeats']} repeats, refitted per fold")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.answers", description="Answer metrics and abstention calibration.")
    parser.add_argument("command", nargs="?", default="report", choices=("report", "fit"))
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-cv", action="store_true", help="skip cross-validation")
    parser.add_argument("--corpus", default="shipped,unseen", help="corpora whose questions are fitted on")
    parser.add_argument("--hand-scorer", action="store_true", help="keep the hand weights of the sentence scorer; fit the abstention model only")
    args = parser.parse_args(argv)

    from assistant.answer.answering import CALIBRATION_FILE, Answerer, load_calibration
    from assistant.retrieval.retriever import Retriever
    from eval import fitting
    from eval.__main__ import _ensure_index
    from eval.corpora import CORPORA

    settings = Settings.from_env(index_dir=args.index)
    calibration = load_calibration()
    rows: list[Any] = []
    retrievers = []
    answerers = {}
    for name in [n.strip() for n in args.corpus.split(",") if n.strip()]:
        corpus = CORPORA[name]
        if not corpus.available():
            continue
        retriever = Retriever(_ensure_index(settings, corpus))
        retriever.warm_up()
        retrievers.append(retriever)
        answerers[name] = Answerer(retriever, calibration)
        rows += fitting.collect(answerers[name], corpus.questions(), name)
    t0 = time.perf_counter()
    if args.hand_scorer:
        calibration = {k: v for k, v in calibration.items() if k != "scorer"}
    result = evaluate_calibrations(rows, calibration, cv=not args.no_cv, scorer=not args.hand_scorer)
    print(f"fitted and evaluated in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if args.command == "fit":
        fitted = result["calibration"]
        shipped = answerers.get("shipped") or next(iter(answerers.values()))
        verification = fit_verification(verification_pairs(shipped, CORPORA["shipped"].questions()))
        calibration = {**fitted, "verification": verification}
        print(f"verification thresholds: {verification}", file=sys.stderr)
        CALIBRATION_FILE.write_text(json.dumps(calibration, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {CALIBRATION_FILE}", file=sys.stderr)
    for retriever in retrievers:
        retriever.close()
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "calibration"}, indent=2, ensure_ascii=False))
    else:
        print_result(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())

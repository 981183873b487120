"""Fitting the answer scorer and the abstention model, cross-validated with whole documents left out.

Each question is retrieved once (:meth:`Answerer.candidates`); everything fitted works on those
candidates, so a fold costs only re-scoring. The groups of the cross-validation are documents: an
answerable question belongs to its (first) gold document, an unanswerable one to the document of
its best passage (a near miss about a civic centre goes with that centre's rules), so a held-out
fold holds documents the fit has never seen. Questions of both corpora are pooled; the report
also gives the fit on the shipped corpus alone, checked on the unseen one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from eval.answer_metrics import score_answer, summarize
from eval.gold import Question, doc_name, folded

logger = logging.getLogger(__name__)

TARGET_FALSE_ABSTENTION = 0.03  # abstain on at most this share of the answerable training questions
L2_SCORER = 1.0
L2_ABSTENTION = 1.0
FOLDS = 5
REPEATS = 3

# The abstention model's features: none is relative to the index's size (an absolute similarity
# threshold fitted on five documents never fires on five hundred).
ABSTENTION_FEATURES = (
    "support_score",
    "support_type_subject",
    "support_specific",
    "year_match",
    "date_match",
    "type_ok",
    "vocabulary",
    "support_type",
    "support_names",
    "dense_z",
)


@dataclass
class FitRow:
    """One question, its corpus, the answerer of that corpus's index and its candidates."""

    question: Question
    corpus: str
    answerer: Any
    gathered: Any
    group: str


def collect(answerer: Any, questions: Sequence[Question], corpus: str) -> list[FitRow]:
    """Retrieve every question once (the stages before scoring)."""
    rows = []
    for q in questions:
        gathered = answerer.candidates(q.question)
        if q.answerable and q.gold_docs:
            group = f"{corpus}:{q.gold_docs[0]}"
        else:
            top = gathered.hits[0].source if gathered.hits else "none"
            group = f"{corpus}:{doc_name(top)}"
        rows.append(FitRow(q, corpus, answerer, gathered, group))
    return rows


def candidate_labels(question: Question, candidates: Sequence[Any]) -> np.ndarray:
    """1 for a candidate sentence of a gold document holding a key phrase (with its neighbours,
    a phrase may cross a sentence end); else, when no sentence does, 1 for the sentences of a
    passage holding one."""
    phrases = [folded(p) for p in question.key_phrases]
    gold = set(question.gold_docs)

    def in_gold(c: Any) -> bool:
        return doc_name(c.hit.doc_id or c.hit.source) in gold or doc_name(c.hit.source) in gold

    sentence = np.array(
        [
            in_gold(c)
            and any(p in folded(c.hit.text[max(0, c.start - 40) : c.end + 40]) for p in phrases)
            and any(p[: max(8, len(p) // 2)] in folded(c.text) or folded(c.text) in p for p in phrases)
            for c in candidates
        ],
        dtype=float,
    )
    if sentence.any():
        return sentence
    return np.array([in_gold(c) and any(p in folded(c.hit.text) for p in phrases) for c in candidates], dtype=float)


def _assess(row: FitRow, calibration: dict[str, Any]) -> Any:
    answerer = row.answerer
    saved = answerer.calibration
    answerer.calibration = calibration
    try:
        return answerer.assess(row.gathered)
    finally:
        answerer.calibration = saved


def fit(rows: Sequence[FitRow], base: dict[str, Any], scorer: bool = True) -> dict[str, Any]:
    """A calibration fitted on ``rows``: the scorer (a conditional logit over the candidates of
    the answerable questions), then the abstention model on the evidence of the sentences it
    chooses, its threshold leaving at most :data:`TARGET_FALSE_ABSTENTION` of the answerable
    training questions unanswered. ``scorer=False`` keeps ``base``'s scorer."""
    from assistant.answer.abstention import fit_logistic
    from assistant.answer.scorer import FEATURES, feature_matrix, fit_conditional_logit

    calibration = {k: v for k, v in base.items() if k not in ("min_evidence", "abstention")}
    if scorer:
        hand = {k: v for k, v in calibration.items() if k != "scorer"}
        groups = []
        for row in rows:
            if not row.question.answerable:
                continue
            gathered = _assess(row, hand)  # candidate features do not depend on the scorer
            if not gathered.candidates:
                continue
            x = feature_matrix([c.features for c in gathered.candidates], FEATURES)
            groups.append((x, candidate_labels(row.question, gathered.candidates)))
        fitted = fit_conditional_logit(groups, FEATURES, l2=L2_SCORER)
        calibration["scorer"] = on_hand_scale(fitted, groups).to_json()
    assessed = [_assess(row, calibration) for row in rows]
    open_idx = [i for i, g in enumerate(assessed) if not g.reasons and g.candidates] or list(range(len(rows)))
    x = [assessed[i].evidence.features for i in open_idx]
    y = [int(rows[i].question.answerable) for i in open_idx]
    model = fit_logistic(x, y, ABSTENTION_FEATURES, l2=L2_ABSTENTION)
    p = np.sort([model.probability(f) for f, label in zip(x, y) if label])
    k = int(np.floor(TARGET_FALSE_ABSTENTION * len(p)))
    model.threshold = float(p[k] - 1e-6) if len(p) else 0.5
    calibration["min_evidence"] = round(model.threshold, 6)
    calibration["abstention"] = model.to_json()
    return calibration


def on_hand_scale(scorer: Any, groups: Sequence[tuple[np.ndarray, np.ndarray]]) -> Any:
    """``scorer`` rescaled so its scores spread within a question as the hand weights' do: the
    order is the fitted one, and the answer strategies' margins (a close second sentence, a
    typed sentence within reach) keep the meaning they were written with."""
    from assistant.answer.scorer import FEATURES, HAND_SCORER, CandidateScorer

    def spread(weights: Any) -> float:
        w = np.array([weights.get(name, 0.0) for name in FEATURES])
        values = [float(np.std(x @ w)) for x, _y in groups if len(x) > 1]
        return float(np.mean(values)) if values else 1.0

    factor = spread(HAND_SCORER.weights) / (spread(scorer.weights) or 1.0)
    return CandidateScorer({k: v * factor for k, v in scorer.weights.items()}, fitted=True)


def answer(row: FitRow, calibration: dict[str, Any]) -> Any:
    """The answer ``row``'s question gets under ``calibration``."""
    gathered = _assess(row, calibration)
    saved = row.answerer.calibration
    row.answerer.calibration = calibration
    try:
        return row.answerer.answer_from(gathered)
    finally:
        row.answerer.calibration = saved


def measure(rows: Sequence[FitRow], answers: Sequence[Any]) -> dict[str, Any]:
    """The answer metrics (those of ``python -m eval``) of ``answers`` to ``rows``, per corpus."""
    out: dict[str, Any] = {}
    for corpus in sorted({r.corpus for r in rows}):
        picked = [(r, a) for r, a in zip(rows, answers) if r.corpus == corpus]
        scored = {r.question.id: score_answer(r.question, a) for r, a in picked}
        out[corpus] = summarize(scored, [r.question for r, _a in picked])["overall"]
    return out


def grouped_folds(rows: Sequence[FitRow], folds: int, seed: int) -> np.ndarray:
    """A fold number per row, whole groups (documents) to a fold."""
    groups = sorted({r.group for r in rows})
    rng = np.random.default_rng(seed)
    rng.shuffle(groups)
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    return np.array([fold_of[r.group] for r in rows])


def cross_validate(rows: Sequence[FitRow], base: dict[str, Any], folds: int = FOLDS, repeats: int = REPEATS, scorer: bool = True) -> dict[str, Any]:
    """Grouped k-fold, repeated: fit on the other documents' questions, answer the held-out ones;
    the figures averaged over the repeats."""
    runs = []
    for rep in range(repeats):
        fold = grouped_folds(rows, folds, rep)
        answers: list[Any] = [None] * len(rows)
        for f in range(folds):
            train = [r for r, k in zip(rows, fold) if k != f]
            calibration = fit(train, base, scorer=scorer)
            for i in np.where(fold == f)[0]:
                answers[i] = answer(rows[i], calibration)
        runs.append(measure(rows, answers))
    out: dict[str, Any] = {}
    for corpus in runs[0]:
        keys = [k for k, v in runs[0][corpus].items() if isinstance(v, float)]
        out[corpus] = {k: float(np.mean([r[corpus][k] for r in runs if r[corpus].get(k) is not None])) for k in keys}
    out["folds"], out["repeats"] = folds, repeats
    return out

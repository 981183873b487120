"""The answer-sentence scorer: one linear model over typed features of a candidate sentence.

Features describe the question-sentence pair (similarity, the question's words the sentence and
its neighbours hold, the asked-for kind of answer beside the question's subject), the passage
(its retrieval score and rank) and the document (whether its title, headings and text hold the
question's rare words; whether it is of the date the question names). The weights are fitted
by ``python -m eval.answers fit`` as a conditional logit — per question, a softmax over its
candidates, the sentences holding a key phrase being the right ones — and cross-validated with
whole documents left out. Without fitted weights the hand weights below apply (what the
ranking was before the fit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

FEATURES = (
    "cos",  # sentence-question cosine
    "cos_gap",  # cosine minus the best candidate's: relative within the question
    "coverage",  # IDF-weighted share of the question's words in the sentence
    "window_coverage",  # ... in the sentence, its neighbours and its passage's headings
    "rank_prior",  # 1 / (passage rank + 1), Polish questions only
    "passage",  # passage retrieval score relative to the best passage's
    "length",  # sentence length, capped at 400 characters, / 400
    "type",  # holds the kind of answer asked for (1.0 when none is asked)
    "type_subject",  # the question's words beside that answer (the sentence's coverage when untyped)
    "specific",  # the question's rare words in the passage with its title and headings
    "dated",  # from a document of the day or year the question names (1.0 when it names none)
    "non_answer",  # a question in the text, or a bare name for a question not asking who
    "speaker",  # the section heading names who speaks, for a "kto" question
    "names",  # the question's distinctive names in the passage with its title and headings
    "year",  # of the year the question names (its document, or its passage names it)
)

HAND_WEIGHTS = {"cos": 1.0, "coverage": 0.1, "window_coverage": 0.1, "rank_prior": 0.03, "passage": 0.1, "length": -0.04}


@dataclass(frozen=True)
class CandidateScorer:
    """score = Σ weight × feature; only the order of a question's candidates matters."""

    weights: Mapping[str, float]
    fitted: bool = False

    def score(self, features: Mapping[str, float]) -> float:
        return float(sum(w * features.get(name, 0.0) for name, w in self.weights.items()))

    def to_json(self) -> dict[str, Any]:
        return {"weights": {k: round(float(v), 6) for k, v in self.weights.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CandidateScorer:
        if not data or not data.get("weights"):
            return HAND_SCORER
        return cls(dict(data["weights"]), fitted=True)


HAND_SCORER = CandidateScorer(HAND_WEIGHTS)


def fit_conditional_logit(
    groups: Sequence[tuple[np.ndarray, np.ndarray]],
    names: Sequence[str] = FEATURES,
    l2: float = 1.0,
    iters: int = 300,
) -> CandidateScorer:
    """Weights maximising, per question, the log of the softmax mass on its right candidates
    (``groups``: a feature matrix and a 0/1 label vector each, at least one label 1), with an L2
    penalty on standardised features; returned in the features' own units."""
    groups = [(x, y) for x, y in groups if len(x) and y.any()]
    if not groups:
        return HAND_SCORER
    stacked = np.vstack([x for x, _y in groups])
    mean, scale = stacked.mean(axis=0), stacked.std(axis=0)
    scale[scale == 0] = 1.0
    zs = [((x - mean) / scale, y.astype(bool)) for x, y in groups]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for z, y in zs:
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            sp = s[y]
            q = np.exp(sp - sp.max())
            q /= q.sum()
            # − log Σ_right softmax = logsumexp(all) − logsumexp(right)
            total += float(np.log(np.exp(s - s.max()).sum()) + s.max() - np.log(np.exp(sp - sp.max()).sum()) - sp.max())
            grad = grad + p @ z - q @ z[y]
        return total, grad

    from scipy.optimize import minimize

    w = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": iters}).x
    raw = w / scale
    return CandidateScorer({name: float(v) for name, v in zip(names, raw)}, fitted=True)


def feature_matrix(rows: Sequence[Mapping[str, float]], names: Sequence[str] = FEATURES) -> np.ndarray:
    return np.array([[row.get(n, 0.0) for n in names] for row in rows], dtype=float).reshape(len(rows), len(names))

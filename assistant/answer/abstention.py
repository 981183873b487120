"""The abstention model: P(the documents answer the question) from a few evidence features.

A logistic model fitted by ``python -m eval.answers fit`` (cross-validated with whole documents
left out); its threshold is placed so that few answerable training questions fall below it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class AbstentionModel:
    """Logistic model over a few evidence features: P(answerable) = sigmoid(w·x + b).

    ``off_topic`` is derived here: how far the question's closest passage falls below the
    similarity that answerable questions of its language group reach (a fitted reference),
    since e5 rates cross-lingual pairs lower than Polish ones."""

    weights: dict[str, float]
    bias: float
    threshold: float = 0.5
    mean: dict[str, float] = field(default_factory=dict)
    scale: dict[str, float] = field(default_factory=dict)
    references: dict[str, float] = field(default_factory=dict)

    def transform(self, features: dict[str, float]) -> dict[str, float]:
        out = dict(features)
        group = "foreign" if features.get("foreign") else "pl"
        reference = self.references.get(group)
        if reference is not None:
            out["off_topic"] = max(0.0, reference - features.get("on_topic", reference))
        return out

    def probability(self, features: dict[str, float]) -> float:
        x = self.transform(features)
        z = self.bias
        for name, w in self.weights.items():
            z += w * (x.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, Any]:
        return {
            "weights": {k: round(v, 5) for k, v in self.weights.items()},
            "bias": round(self.bias, 5),
            "threshold": round(self.threshold, 5),
            "mean": {k: round(v, 5) for k, v in self.mean.items()},
            "scale": {k: round(v, 5) for k, v in self.scale.items()},
            "references": {k: round(v, 5) for k, v in self.references.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AbstentionModel:
        return cls(
            weights=dict(data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data.get("threshold", 0.5)),
            mean=dict(data.get("mean", {})),
            scale=dict(data.get("scale", {})),
            references=dict(data.get("references", {})),
        )


def on_topic_references(rows: Sequence[dict[str, float]], labels: Sequence[int], percentile: float = 5.0) -> dict[str, float]:
    """Per language group, the similarity below which only ``percentile``% of answerable questions fall."""
    out: dict[str, float] = {}
    for group, flag in (("pl", 0.0), ("foreign", 1.0)):
        values = [r["on_topic"] for r, y in zip(rows, labels) if y and float(r.get("foreign", 0.0)) == flag]
        if values:
            out[group] = float(np.percentile(values, percentile))
    return out


def fit_logistic(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    features: Sequence[str],
    l2: float = 1.0,
    iters: int = 200,
    references: dict[str, float] | None = None,
) -> AbstentionModel:
    """L2-regularised logistic regression by Newton's method on standardised features."""
    shell = AbstentionModel({}, 0.0, references=dict(references or {}))
    rows = [shell.transform(r) for r in rows]
    x = np.array([[row.get(f, 0.0) for f in features] for row in rows], dtype=float)
    y = np.asarray(labels, dtype=float)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    a = np.hstack([z, np.ones((len(z), 1))])
    w = np.zeros(a.shape[1])
    reg = np.full(a.shape[1], l2)
    reg[-1] = 0.0
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -30, 30)))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg) + 1e-9 * np.eye(a.shape[1])
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return AbstentionModel(
        weights={f: float(v) for f, v in zip(features, w[:-1])},
        bias=float(w[-1]),
        threshold=0.5,
        mean={f: float(v) for f, v in zip(features, mean)},
        scale={f: float(v) for f, v in zip(features, scale)},
        references=dict(references or {}),
    )

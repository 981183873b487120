"""Thresholds kept in the repository (``eval/thresholds.json``) and where ours loses to a baseline.

A threshold names a figure by path: ``ours/passage/mrr@10`` (a system, a level, a metric, overall),
``ours/passage/english/mrr@10`` (one question kind), ``answers/citation_precision`` or
``answers/unanswerable/abstention_recall``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

THRESHOLDS_FILE = Path(__file__).with_name("thresholds.json")
COMPARED = ("mrr@10", "hit@5")


@dataclass
class CheckResult:
    """What ``--check`` found: failures (non-zero exit) and figures it could not check."""

    failures: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.failures


def load_thresholds(path: Path = THRESHOLDS_FILE) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def figure(results: dict[str, Any], path: str) -> float | None:
    """The figure at ``path`` in a suite's results, or ``None`` when the run does not have it."""
    parts = path.split("/")
    try:
        if parts[0] == "answers":
            block = results["answers"]
            value = block["overall"][parts[1]] if len(parts) == 2 else block["by_kind"][parts[1]][parts[2]]
        else:
            level = results["systems"][parts[0]][parts[1]]
            value = level["overall"][parts[2]] if len(parts) == 3 else level["by_kind"][parts[2]][parts[3]]
    except (KeyError, IndexError, TypeError):
        return None
    return None if value is None else float(value)


def check(results: dict[str, Any], thresholds: dict[str, Any]) -> CheckResult:
    """Compare the run with the minima, maxima and the required margins over baselines."""
    out = CheckResult()

    def judge(path: str, ok: bool, message: str) -> None:
        out.checked += 1
        if not ok:
            out.failures.append(message)

    for path, limit in thresholds.get("min", {}).items():
        value = figure(results, path)
        if value is None:
            out.skipped.append(path)
        else:
            judge(path, value >= limit, f"{path} = {value:.3f} < minimum {limit}")
    for path, limit in thresholds.get("max", {}).items():
        value = figure(results, path)
        if value is None:
            out.skipped.append(path)
        else:
            judge(path, value <= limit, f"{path} = {value:.3f} > maximum {limit}")
    for baseline, margins in thresholds.get("ours_over", {}).items():
        for metric, margin in margins.items():
            ours, theirs = figure(results, f"ours/{metric}"), figure(results, f"{baseline}/{metric}")
            if ours is None or theirs is None:
                out.skipped.append(f"ours over {baseline} on {metric}")
                continue
            judge(
                metric,
                ours >= theirs + margin - 1e-9,
                f"ours {metric} = {ours:.3f} is not at least {baseline}'s {theirs:.3f} + {margin}",
            )
    return out


def losses(results: dict[str, Any], compared: tuple[str, ...] = COMPARED, level: str = "passage") -> list[dict[str, Any]]:
    """Every (kind, metric, system) where ours scores below another system, overall or per kind."""
    systems = results.get("systems", {})
    if "ours" not in systems:
        return []
    ours = systems["ours"][level]
    found = []
    for name, other in systems.items():
        if name == "ours":
            continue
        scopes = [("overall", ours["overall"], other[level]["overall"])] + [
            (kind, ours["by_kind"][kind], other[level]["by_kind"].get(kind, {})) for kind in ours["by_kind"]
        ]
        for scope, mine, theirs in scopes:
            for metric in compared:
                if metric in theirs and mine[metric] < theirs[metric] - 1e-9:
                    found.append({"kind": scope, "metric": metric, "system": name, "ours": mine[metric], "theirs": theirs[metric], "n": mine.get("n")})
    return found


def check_corpora(by_corpus: dict[str, dict[str, Any]], thresholds: dict[str, Any]) -> CheckResult:
    """Check every corpus's run: the shipped one against the top-level thresholds, another
    against ``thresholds[name]`` (the same keys); messages name the corpus."""
    out = CheckResult()
    for name, results in by_corpus.items():
        limits = thresholds if name == "shipped" else thresholds.get(name)
        if limits is None:
            out.skipped.append(f"{name}: no thresholds")
            continue
        found = check(results, limits)
        out.failures += [f"{name}: {failure}" for failure in found.failures]
        out.skipped += [f"{name}: {path}" for path in found.skipped]
        out.checked += found.checked
    return out

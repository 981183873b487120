"""One evaluation run: every system on the same questions, answer metrics of ours, one results dict."""

from __future__ import annotations

import logging
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.answer_metrics import evaluate_answers
from eval.baselines import SYSTEMS, make_systems
from eval.check import losses
from eval.gold import Question
from eval.metrics import K
from eval.systems import evaluate_system
from indexer.settings import Settings

logger = logging.getLogger(__name__)


def run_suite(
    settings: Settings,
    questions: Sequence[Question],
    names: Sequence[str] = tuple(SYSTEMS),
    k: int = K,
    answers: bool = True,
    corpus: Sequence[Path] | None = None,
) -> dict[str, Any]:
    """Evaluate the systems ``names`` (and, with ``answers``, our answers) on ``questions``;
    rebuilt baselines index the folders of ``corpus`` (default: the settings' corpus folder)."""
    from importlib.metadata import version

    from assistant.answer.answering import Answerer
    from assistant.retrieval.retriever import Retriever

    started = time.perf_counter()
    questions = list(questions)
    retriever = Retriever(settings)
    results: dict[str, Any] = {"systems": {}}
    try:
        with tempfile.TemporaryDirectory(prefix="ngo-eval-") as workdir:
            systems, setup = make_systems(names, settings, retriever, Path(workdir), corpus)
            try:
                for system in systems:
                    logger.info("evaluating %s", system.name)
                    t0 = time.perf_counter()
                    scored = evaluate_system(system, questions, k)
                    results["systems"][system.name] = {
                        **scored,
                        "setup_seconds": round(setup[system.name], 2),
                        "eval_seconds": round(time.perf_counter() - t0, 2),
                    }
            finally:
                for system in systems:
                    close = getattr(system, "close", None)
                    if close is not None:
                        close()
        if answers:
            t0 = time.perf_counter()
            results["answers"] = evaluate_answers(Answerer(retriever), questions)
            results["answers"]["seconds"] = round(time.perf_counter() - t0, 2)
        info = retriever.index_info()
    finally:
        retriever.close()
    results["losses"] = losses(results)
    results["meta"] = {
        "k": k,
        "questions": len(questions),
        "answerable": sum(q.answerable for q in questions),
        "kinds": dict(sorted(Counter(q.kind for q in questions).items())),
        "index_version": info.get("version"),
        "documents": sorted(info.get("documents", {})),
        "metrics_library": f"ir-measures {version('ir-measures')} (pytrec_eval)",
        "seconds": round(time.perf_counter() - started, 1),
        "finished_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    return results

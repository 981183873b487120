"""The optional LLM behind generated answers, as a LangChain chat model.

Two kinds, both configured in :class:`indexer.settings.Settings` (``NGO_LLM_*``) and both
optional imports, so the extractive assistant never needs them:

* an OpenAI-compatible endpoint through ``langchain-openai`` (Ollama, vLLM, llama.cpp's server,
  hosted models such as Bielik): ``NGO_LLM_BASE_URL``, ``NGO_LLM_MODEL``, ``NGO_LLM_API_KEY``;
* a local GGUF file through ``llama-cpp-python``: ``NGO_LLM_GGUF_PATH`` (wrapped here in a small
  :class:`LlamaCppChat` so that streaming works the LangChain way).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from indexer.errors import ModelError
from indexer.settings import Settings

logger = logging.getLogger(__name__)


class LLMUnavailable(ModelError):
    """No LLM is configured, or its package is not installed."""


def is_configured(settings: Settings) -> bool:
    """Whether settings name an LLM (an endpoint or a GGUF file)."""
    return bool(settings.llm_base_url or settings.llm_gguf_path)


def describe(settings: Settings) -> str:
    """A short, key-free description of the configured LLM (for logs and the app)."""
    if settings.llm_base_url:
        return f"{settings.llm_model or 'default'} @ {settings.llm_base_url}"
    if settings.llm_gguf_path:
        return f"GGUF {settings.llm_gguf_path.name}"
    return "—"


def chat_model(settings: Settings) -> BaseChatModel:
    """The LangChain chat model the settings describe; :class:`LLMUnavailable` if none can be made."""
    if settings.llm_base_url:
        try:
            from langchain_openai import ChatOpenAI
            from pydantic import SecretStr
        except ImportError as exc:  # the optional "llm" extra is not installed
            raise LLMUnavailable(
                "NGO_LLM_BASE_URL is set but langchain-openai is missing: pip install 'ngo-krakow-assistant[llm]'"
            ) from exc
        return ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model or "default",
            api_key=SecretStr(settings.llm_api_key or "not-needed"),  # local servers accept any key
            temperature=settings.llm_temperature,
            max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]  # a pydantic alias mypy does not see
            timeout=settings.llm_timeout,
            max_retries=1,
        )
    if settings.llm_gguf_path:
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable(
                "NGO_LLM_GGUF_PATH is set but llama-cpp-python is missing: pip install llama-cpp-python"
            ) from exc
        if not settings.llm_gguf_path.is_file():
            raise LLMUnavailable(f"GGUF file not found: {settings.llm_gguf_path}")
        client = Llama(
            model_path=str(settings.llm_gguf_path),
            n_ctx=settings.llm_context,
            n_threads=settings.llm_threads,
            verbose=False,
        )
        return LlamaCppChat(client=client, temperature=settings.llm_temperature, max_tokens=settings.llm_max_tokens)
    raise LLMUnavailable("no LLM configured: set NGO_LLM_BASE_URL or NGO_LLM_GGUF_PATH")


def _role(message: BaseMessage) -> str:
    if isinstance(message, SystemMessage):
        return "system"
    if isinstance(message, (AIMessage, AIMessageChunk)):
        return "assistant"
    if isinstance(message, HumanMessage):
        return "user"
    return "user"


class LlamaCppChat(BaseChatModel):
    """A chat model over a loaded ``llama_cpp.Llama`` (its chat template, its streaming)."""

    client: Any
    temperature: float = 0.1
    max_tokens: int = 600

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-python"

    def _request(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool) -> Any:
        return self.client.create_chat_completion(
            messages=[{"role": _role(m), "content": str(m.content)} for m in messages],
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stop=stop or None,
            stream=stream,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self._request(messages, stop, stream=False)
        text = response["choices"][0]["message"].get("content") or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for part in self._request(messages, stop, stream=True):
            delta = (part.get("choices") or [{}])[0].get("delta", {}).get("content") or ""
            if not delta:
                continue
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta))
            if run_manager:
                run_manager.on_llm_new_token(delta, chunk=chunk)
            yield chunk

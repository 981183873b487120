"""What the app opens once and shares between sessions: settings, the index, the model, the store.

Everything heavy is cached with ``st.cache_resource`` keyed by the live index version, so a
rebuild (an upload, or a build from the command line) is picked up on the next rerun while the
model stays loaded (``load_embedder`` keeps it per process).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from assistant.answer.answering import Answerer
from assistant.retrieval.retriever import Retriever
from indexer.settings import Settings
from indexer.versions import current_version_dir, open_store, read_manifest
from webapp import files
from webapp.i18n import t

logger = logging.getLogger(__name__)

# Share of the bar each build stage fills: (start, span).
STAGES = {"load": (0.0, 0.1), "copy": (0.1, 0.1), "embed": (0.2, 0.75), "store": (0.95, 0.05)}
WARM_UP_QUESTION = "Jakie są obszary współpracy miasta z organizacjami pozarządowymi?"


@dataclass(frozen=True)
class IndexState:
    """The live index as the app sees it in one run."""

    settings: Settings
    version: str
    manifest: dict[str, Any]

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.manifest.get("documents", {})

    @property
    def key(self) -> str:
        """Cache key: which index, which version, which model settings."""
        s = self.settings
        raw = "|".join(map(str, (s.index_dir.resolve(), self.version, s.embedding_model, s.qdrant_url, s.collection)))
        return hashlib.sha1(raw.encode()).hexdigest()[:16]


def load_settings() -> Settings:
    """Settings from the environment (``NGO_*``), read on every run: cheap and always current."""
    return Settings.from_env()


def live_version(settings: Settings) -> str | None:
    folder = current_version_dir(settings.index_dir)
    return folder.name if folder else None


@st.cache_data(show_spinner=False, max_entries=4)
def _manifest(index_dir: str, version: str) -> dict[str, Any]:
    manifest = read_manifest(Path(index_dir))
    return dict(manifest.__dict__) if manifest else {}


def index_state(settings: Settings) -> IndexState | None:
    version = live_version(settings)
    if version is None:
        return None
    return IndexState(settings, version, _manifest(str(settings.index_dir.resolve()), version))


def _close(retriever: Retriever) -> None:
    retriever.close()


@st.cache_resource(show_spinner=False, max_entries=2, on_release=_close)
def _retriever(key: str, _settings: Settings) -> Retriever:
    retriever = Retriever(_settings)
    retriever.warm_up()
    return retriever


def retriever(state: IndexState) -> Retriever:
    """The shared retriever of the live index version (model loaded, store open)."""
    return _retriever(state.key, state.settings)


def answerer(state: IndexState) -> Answerer:
    """The shared answerer over :func:`retriever`."""
    return _answerer(state.key, state.settings)


@st.cache_resource(show_spinner=False, max_entries=2)
def _answerer(key: str, _settings: Settings) -> Answerer:
    answerer = Answerer(_retriever(key, _settings))
    try:  # one real question loads everything a first answer needs (lemmatiser, vocabulary, caches)
        answerer.ask(WARM_UP_QUESTION)
    except Exception as exc:  # noqa: BLE001 - warm-up is an optimisation; a real question will report problems
        logger.warning("warm-up question failed: %s", exc)
    return answerer


@st.cache_resource(show_spinner=False, max_entries=2)
def _llm_answerer(key: str, _settings: Settings) -> Any:
    from assistant.generation.generation import LlmAnswerer
    from assistant.generation.llm import LLMUnavailable, chat_model

    try:
        return LlmAnswerer(_answerer(key, _settings), chat_model(_settings))
    except LLMUnavailable as exc:
        return str(exc)


def llm_answerer(state: IndexState) -> Any:
    """The shared LLM answerer (generation verified against the sources), or why there is none."""
    return _llm_answerer(state.key, state.settings)


_LIGHT_FIELDS = ("doc_id", "kind", "date", "type", "title", "source", "page", "topics", "organisations")


@st.cache_data(show_spinner=False, max_entries=2)
def _points(key: str, _settings: Settings) -> list[dict[str, Any]]:
    store = open_store(_settings)  # no model needed: the tabs draw before the model is loaded
    rows = []
    try:
        for hit in store.scroll():
            p = hit.payload
            if p.get("kind", "passage") == "passage":
                rows.append({k: p.get(k) for k in _LIGHT_FIELDS})
            else:  # records (e.g. postulates) are shown whole
                rows.append({**p, "id": hit.id})
    finally:
        store.close()
    return rows


def points(state: IndexState) -> list[dict[str, Any]]:
    """Every point's metadata (records in full), read once per index version."""
    return _points(state.key, state.settings)


def values_of(state: IndexState, field: str) -> list[str]:
    """Distinct values of a list-or-string payload field over all points, sorted."""
    found: set[str] = set()
    for row in points(state):
        value = row.get(field)
        if isinstance(value, str) and value:
            found.add(value)
        elif isinstance(value, (list, tuple)):
            found.update(str(v) for v in value if v)
    return sorted(found, key=str.casefold)


@st.cache_resource(show_spinner=False, max_entries=2)
def _published(key: str, _documents: dict[str, Any], corpus_dir: str) -> dict[str, str]:
    return files.publish(_documents, Path(corpus_dir))


def published(state: IndexState) -> dict[str, str]:
    """``{doc_id: url}`` of the documents whose original file the app serves."""
    return _published(state.key, state.documents, str(state.settings.corpus_dir))


def build_progress(lang: str, label: str) -> tuple[Callable[[str, int, int], None], Any]:
    """A Streamlit progress bar and the ``progress(stage, done, total)`` callback that moves it."""
    bar = st.progress(0.0, text=label)

    def progress(stage: str, done: int, total: int) -> None:
        start, span = STAGES.get(stage, (0.0, 1.0))
        share = done / total if total else 1.0
        stage_name = t(f"build_stage_{stage}", lang) if stage in STAGES else stage
        bar.progress(min(1.0, start + span * share), text=f"{label} ({stage_name} {done}/{total})")

    return progress, bar


def ensure_index(settings: Settings, lang: str) -> IndexState | None:
    """The live index; on first start build it from the corpus folder with a visible progress bar."""
    state = index_state(settings)
    if state is not None:
        return state
    if not settings.corpus_dir.is_dir():
        st.error(t("no_index", lang, index=settings.index_dir, corpus=settings.corpus_dir))
        return None
    from indexer.build import build

    progress, bar = build_progress(lang, t("building", lang, corpus=settings.corpus_dir))
    report = build([settings.corpus_dir], settings, progress=progress)
    bar.empty()
    for path, problem in report.errors:
        st.warning(t("skipped", lang, path=path, problem=problem))
    st.success(t("built", lang, docs=report.documents, chunks=report.chunks))
    return index_state(settings)

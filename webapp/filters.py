"""The sidebar: interface language, search filters and answer mode."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from assistant.generation.llm import is_configured as llm_configured
from indexer.annotate.topics import topic_label
from indexer.store.schema import SearchFilters
from webapp.i18n import LANGUAGES, doc_type_label, t
from webapp.resources import IndexState, values_of


@dataclass
class Choices:
    """What the user picked in the sidebar."""

    lang: str = "pl"
    filters: SearchFilters = field(default_factory=SearchFilters)
    mode: str = "extractive"
    summary: list[str] = field(default_factory=list)


def language() -> str:
    """The interface language switch (Polish by default)."""
    return st.sidebar.radio(
        t("language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang", horizontal=True
    )


def document_years(state: IndexState) -> list[int]:
    years = set()
    for doc in state.documents.values():
        date = doc.get("date") or ""
        if len(date) >= 4 and date[:4].isdigit():
            years.add(int(date[:4]))
    return sorted(years)


def sidebar(state: IndexState | None, lang: str) -> Choices:
    """Render the filters and return the choices as SearchFilters plus the answer mode."""
    choices = Choices(lang=lang)
    if state is None:
        return choices
    bar = st.sidebar
    bar.header(t("filters", lang))
    values: dict[str, Any] = {}
    years = document_years(state)
    if len(years) >= 2:
        lo, hi = bar.slider(t("years", lang), years[0], years[-1], (years[0], years[-1]), key="years")
        if (lo, hi) != (years[0], years[-1]):
            values["date_from"], values["date_to"] = str(lo), str(hi)
            choices.summary.append(f"{lo}–{hi}")
    types = sorted({doc.get("type") or "document" for doc in state.documents.values()})
    picked = bar.multiselect(
        t("types", lang), types, format_func=lambda x: doc_type_label(x, lang), key="types",
        placeholder="—",
    )
    values["types"] = picked
    choices.summary += [doc_type_label(x, lang) for x in picked]
    topics = values_of(state, "topics")
    if topics:
        values["topics"] = bar.multiselect(
            t("topics", lang), topics, format_func=lambda x: topic_label(x, lang), key="topics", placeholder="—"
        )
        choices.summary += [topic_label(x, lang) for x in values["topics"]]
    else:
        bar.caption(t("topics_missing", lang))
    organisations = values_of(state, "organisations")
    if organisations:
        values["organisations"] = bar.multiselect(t("organisations", lang), organisations, key="organisations", placeholder="—")
        choices.summary += values["organisations"]
    else:
        bar.caption(t("organisations_missing", lang))
    modes = ["extractive"] + (["llm"] if llm_configured(state.settings) else [])
    choices.mode = bar.radio(
        t("mode", lang), modes, format_func=lambda m: t(f"mode_{m}", lang), key="mode"
    )
    if len(modes) == 1:
        bar.caption(t("mode_llm_missing", lang))
    choices.filters = SearchFilters(
        date_from=values.get("date_from"),
        date_to=values.get("date_to"),
        types=tuple(values.get("types") or ()),
        topics=tuple(values.get("topics") or ()),
        organisations=tuple(values.get("organisations") or ()),
    )
    return choices

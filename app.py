"""Streamlit app: chat with cited sources, precedents, documents, topic overview, evaluation report.

Run with ``streamlit run app.py``. On first start the index is built from the corpus folder with a
progress bar; later starts open it at once. The model and the store are opened once per process
(``st.cache_resource``). Document text is always shown escaped, never as HTML. Each tab lives in
its own module under ``webapp/``; only the open tab runs.
"""

from __future__ import annotations

import streamlit as st

from indexer.errors import AssistantError
from webapp import chat, documents, overview, precedents, report, resources
from webapp.filters import language, sidebar
from webapp.i18n import t
from webapp.render import escape_md

TABS = ("chat", "precedents", "documents", "overview", "report")


def main() -> None:
    st.set_page_config(page_title="Asystent NGO Kraków", page_icon="📄", layout="wide")
    lang = language()
    # Screen readers pick their voice from <html lang>; the value comes from our own list only.
    st.html(f'<script>document.documentElement.lang = "{lang}";</script>', unsafe_allow_javascript=True, width="content")
    st.title(t("title", lang))
    try:
        render_page(lang)
    except AssistantError as exc:  # a missing index, a bad setting, a model that cannot load
        st.error(t("app_error", lang, message=escape_md(str(exc))))


def render_page(lang: str) -> None:
    """The tabs over the live index (built on first start), then the model's warm-up."""
    settings = resources.load_settings()
    state = resources.ensure_index(settings, lang)
    if state is None:
        st.stop()
    choices = sidebar(state, lang)
    tabs = st.tabs([t(f"tab_{name}", lang) for name in TABS], key=f"tab_{lang}", on_change="rerun")
    for name, tab in zip(TABS, tabs):
        if not tab.open:
            continue
        with tab:
            if name == "chat":
                chat.render(state, choices)
            elif name == "precedents":
                precedents.render(state, lang)
            elif name == "documents":
                documents.render(state, lang)
            elif name == "overview":
                overview.render(state, lang)
            else:
                report.render(lang)
    # The page is drawn first; then the model is loaded and warmed up (once per process), so
    # the interface shows at once and the first question does not pay for the warm-up.
    with st.spinner(t("loading_model", lang)):
        resources.answerer(state)


main()

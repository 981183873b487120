"""Streamlit app: ask the city documents a question, get a cited answer.

Run with ``streamlit run app.py``. On first start the index is built from ``corpus/`` with
a progress bar; later starts open it at once. Document text is shown escaped, never as HTML.
"""

from __future__ import annotations

import re

import streamlit as st

from assistant.answering import Answerer
from assistant.messages import message
from assistant.retrieval import Retriever
from indexer.index import read_manifest
from indexer.settings import Settings

UI = {
    "pl": {
        "title": "Asystent dokumentów o współpracy Krakowa z NGO",
        "question": "Twoje pytanie",
        "placeholder": "np. Które postulaty dotyczyły polityki lokalowej?",
        "ask": "Zapytaj",
        "building": "Pierwsze uruchomienie: buduję indeks z folderu corpus/ …",
        "built": "Indeks gotowy: {docs} dokumentów, {chunks} fragmentów.",
        "language": "Język interfejsu",
        "cite_page": "strona",
        "quote": "Cytat",
        "skipped": "Pominięto {path}: {problem}",
    },
    "en": {
        "title": "Kraków NGO cooperation documents assistant",
        "question": "Your question",
        "placeholder": "e.g. Which postulates concerned premises policy?",
        "ask": "Ask",
        "building": "First start: building the index from corpus/ …",
        "built": "Index ready: {docs} documents, {chunks} passages.",
        "language": "Interface language",
        "cite_page": "page",
        "quote": "Quote",
        "skipped": "Skipped {path}: {problem}",
    },
}

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def escape_md(text: str) -> str:
    """Show untrusted document text literally in Markdown (no links, HTML or formatting)."""
    return _MD_SPECIAL.sub(r"\\\1", text)


@st.cache_resource(show_spinner=False)
def get_answerer() -> Answerer:
    retriever = Retriever(Settings.from_env())
    retriever.warm_up()
    return Answerer(retriever)


def ensure_index(t: dict[str, str]) -> None:
    """Build the index from the corpus on first start, with a visible progress bar."""
    settings = Settings.from_env()
    if settings.qdrant_url or read_manifest(settings.index_dir) is not None:
        return
    from indexer.build import build

    bar = st.progress(0.0, text=t["building"])
    weights = {"load": (0.0, 0.1), "embed": (0.1, 0.85), "store": (0.95, 0.05)}

    def progress(stage: str, done: int, total: int) -> None:
        start, span = weights.get(stage, (0.0, 1.0))
        bar.progress(min(1.0, start + span * (done / total if total else 1)), text=f"{t['building']} ({stage} {done}/{total})")

    report = build([settings.corpus_dir], settings, progress=progress)
    bar.empty()
    for path, problem in report.errors:
        st.warning(t["skipped"].format(path=path, problem=problem))
    st.success(t["built"].format(docs=report.documents, chunks=report.chunks))


def main() -> None:
    st.set_page_config(page_title="Asystent NGO Kraków", layout="wide")
    lang = st.sidebar.radio("Język / Language", ["pl", "en"], format_func=lambda x: {"pl": "Polski", "en": "English"}[x])
    t = UI[lang]
    st.title(t["title"])
    ensure_index(t)
    answerer = get_answerer()
    with st.form("ask"):
        question = st.text_input(t["question"], placeholder=t["placeholder"])
        submitted = st.form_submit_button(t["ask"])
    if not (submitted and question.strip()):
        return
    answer = answerer.ask(question, lang=lang)
    if answer.abstained:
        st.info(escape_md(answer.answer))
        return
    st.markdown(escape_md(answer.answer).replace("\n", "  \n"))
    st.subheader(message("sources", lang))
    for c in answer.citations:
        page = f", {t['cite_page']} {c.page}" if c.page else ""
        with st.expander(escape_md(f"[{c.n}] {c.title} ({c.date or '—'}{page})")):
            st.caption(escape_md(c.source))
            st.markdown(f"**{t['quote']}:** {escape_md(c.quote)}")
            st.text(c.passage)


main()

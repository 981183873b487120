"""The chat tab: questions and cited answers, the history kept in the session.

Each citation opens (an expander: keyboard-operable) to the document's title, date, type and
page, the quoted passage in bold within its surrounding text, and a link to the original file.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import streamlit as st

from webapp import resources
from webapp.files import file_url
from webapp.filters import Choices
from webapp.i18n import doc_type_label, t
from webapp.render import answer_markdown, escape_block, escape_md, highlight_quote
from webapp.resources import IndexState

HISTORY = "chat_history"


@dataclass
class Turn:
    """One question and its answer, as kept in the session (plain data)."""

    question: str
    answer: str
    abstained: bool
    citations: list[dict[str, Any]] = field(default_factory=list)
    closest: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    filters: list[str] = field(default_factory=list)
    mode: str = "extractive"
    notes: list[str] = field(default_factory=list)


def ask(state: IndexState, question: str, choices: Choices) -> Turn:
    """Answer ``question`` with the sidebar's filters; an LLM answer streams its draft meanwhile."""
    started = time.perf_counter()
    answer = None
    if choices.mode == "llm":
        answer = stream_llm(state, question, choices)
    if answer is None:
        with st.spinner(t("thinking", choices.lang)):
            answer = resources.answerer(state).ask(question, filters=choices.filters, lang=choices.lang)
    return to_turn(state, question, answer, time.perf_counter() - started, choices)


def stream_llm(state: IndexState, question: str, choices: Choices) -> Any | None:
    """The verified LLM answer, its draft shown (escaped) as it is generated; None without an LLM."""
    llm = resources.llm_answerer(state)
    if isinstance(llm, str):  # the configured LLM cannot be used: say why, answer with quotes
        st.warning(escape_md(t("llm_unavailable", choices.lang, reason=llm)))
        return None
    draft, answer = "", None
    box = st.empty()
    box.caption(t("llm_waiting", choices.lang))
    for event in llm.stream(question, filters=choices.filters, lang=choices.lang):
        if event.kind == "token":
            draft += event.text
            box.markdown(escape_block(draft) + " ▌")
        elif event.kind == "done":
            answer = event.answer
    box.empty()
    return answer


def to_turn(state: IndexState, question: str, answer: Any, seconds: float, choices: Choices) -> Turn:
    citations = []
    payloads = {h.text: h.payload for h in getattr(answer, "hits", []) or []}
    for c in answer.citations:
        data = asdict(c)
        doc = state.documents.get(c.doc_id, {})
        data["type"] = doc.get("type")
        payload = payloads.get(c.passage) or {}
        data["original_text"] = payload.get("original_text") or ""
        data["ocr"] = payload.get("ocr_engine") if payload.get("ocr") else None
        citations.append(data)
    return Turn(
        question=question,
        answer=answer.answer,
        abstained=answer.abstained,
        citations=citations,
        closest=list(answer.closest or []),
        seconds=seconds,
        filters=list(choices.summary),
        mode=getattr(answer, "mode", "extractive"),
        notes=list(getattr(answer, "notes", []) or []),
    )


def citation_label(c: dict[str, Any], lang: str) -> str:
    """The collapsed citation: number, title, date and page."""
    details = [c.get("date") or "—"]
    if c.get("page"):
        details.append(f"{t('page', lang)} {c['page']}")
    return escape_md(f"[{c['n']}] {c['title']} ({', '.join(details)})")


def render_citation(c: dict[str, Any], lang: str, key: str, published: dict[str, str]) -> None:
    """The citation's expander: metadata, the highlighted passage and the file link."""
    with st.expander(citation_label(c, lang), key=key):
        st.markdown(f"**{t('col_title', lang)}:** {escape_md(c.get('title') or '')}")
        facts = [
            f"**{t('cite_date', lang)}:** {escape_md(c.get('date') or '—')}",
            f"**{t('cite_type', lang)}:** {escape_md(doc_type_label(c.get('type'), lang))}",
        ]
        if c.get("page"):
            facts.append(f"**{t('cite_page', lang)}:** {int(c['page'])}")
        st.markdown(" · ".join(facts))
        if c.get("heading_path"):
            st.markdown(f"**{t('cite_section', lang)}:** " + escape_md(" › ".join(c["heading_path"])))
        passage = c.get("passage") or c.get("quote") or ""
        body, found = highlight_quote(passage, c.get("quote") or "")
        st.caption(t("cite_context", lang))
        with st.container(border=True):
            if not found and c.get("quote"):
                st.markdown(f"**{t('cite_quote', lang)}:** {escape_md(c['quote'])}")
            st.markdown(body)
        if c.get("original_text"):
            with st.popover(t("original_text", lang), key=f"{key}-original"):
                st.caption(t("original_text_help", lang))
                st.markdown(escape_block(c["original_text"]))
        doc_id = c.get("doc_id") or ""
        source = escape_md(c.get("source") or doc_id)
        if c.get("ocr"):  # read from a scan: its words may be misread
            source += " · " + escape_md(t("ocr_text", lang, engine=c["ocr"]))
        url = file_url(doc_id, c.get("page")) if doc_id in published else None
        if url:
            page = c.get("page")
            label = t("open_original_page", lang, page=page) if "#page=" in url else t("open_original", lang)
            st.markdown(f"[{label}]({url}) · {t('cite_source', lang)}: {source}")
        else:
            st.caption(f"{t('original_missing', lang)} {t('cite_source', lang)}: {source}")


def render_question(question: str) -> None:
    with st.chat_message("user"):
        st.markdown(escape_md(question))


def render_answer(turn: Turn, lang: str, index: int, published: dict[str, str]) -> None:
    """The assistant's message body: the answer, its time, mode and filters, the openable citations."""
    if turn.abstained:
        st.info(answer_markdown(turn.answer))
    else:
        st.markdown(answer_markdown(turn.answer))
    for note in turn.notes:
        st.caption(escape_md(note))
    notes = [t("answer_time", lang, seconds=turn.seconds)]
    if turn.mode == "llm":
        notes.append(t("mode_llm", lang))
    if turn.filters:
        notes.append(t("active_filters", lang, filters=", ".join(turn.filters)))
    st.caption(escape_md(" · ".join(notes)))
    if turn.citations:
        st.markdown(f"**{t('sources', lang)}**")
        for c in turn.citations:
            render_citation(c, lang, f"cite-{index}-{c['n']}", published)


def render(state: IndexState, choices: Choices) -> None:
    """The chat tab: history, the question box, and the new answer."""
    lang = choices.lang
    published = resources.published(state)
    history: list[Turn] = st.session_state.setdefault(HISTORY, [])
    st.caption(t("chat_intro", lang))
    box = st.container()
    question = st.chat_input(t("chat_placeholder", lang), key="chat_input", max_chars=2000)
    with box:
        for i, turn in enumerate(history):
            render_question(turn.question)
            with st.chat_message("assistant"):
                render_answer(turn, lang, i, published)
        if question and question.strip():
            render_question(question.strip())
            with st.chat_message("assistant"):
                turn = ask(state, question.strip(), choices)
                history.append(turn)
                render_answer(turn, lang, len(history) - 1, published)
    if history and st.button(t("clear_chat", lang), key="clear_chat"):
        history.clear()
        st.rerun()

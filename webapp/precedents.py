"""The precedent explorer tab: the table of postulate records and the "find a precedent" box."""

from __future__ import annotations

import unicodedata
from typing import Any

import pandas as pd
import streamlit as st

from assistant.precedents.search import find_precedents as similar_records
from assistant.retrieval.retriever import Hit
from indexer.annotate.topics import topic_label
from webapp import resources
from webapp.files import file_url
from webapp.i18n import t
from webapp.render import escape_block, escape_md
from webapp.resources import IndexState

COLUMNS = ("organisation", "postulate", "response", "unit", "date", "source", "topics", "link")
POSTULATE = "postulate"
WIDTHS = {"organisation": "medium", "postulate": "large", "response": "large", "unit": "medium", "source": "medium"}
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d"})


def fold(text: str) -> str:
    """Lower case without diacritics (``Łódź`` → ``lodz``), for searching as people type."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _first(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value if v)
    return str(value) if value else ""


def record_row(p: dict[str, Any], documents: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One table row from a postulate record's payload."""
    doc_id = p.get("doc_id") or ""
    doc = documents.get(doc_id, {})
    page = p.get("page")
    where = doc.get("title") or p.get("title") or doc_id
    if page:
        where += f", s. {page}"
    elif p.get("location"):
        where += f", {p['location']}"
    return {
        "organisation": _first(p.get("organisation") or p.get("organisations")),
        "postulate": p.get("postulate") or p.get("text") or "",
        "response": p.get("response") or "",
        "unit": _first(p.get("unit") or p.get("responding_unit")),
        "date": p.get("date") or doc.get("date") or "",
        "source": where,
        "topics": list(p.get("topics") or []),
        "link": file_url(doc_id, page) or "",
        "doc_id": doc_id,
    }


def records(state: IndexState) -> list[dict[str, Any]]:
    """Every postulate record of the index as table rows, oldest first."""
    rows = [record_row(p, state.documents) for p in resources.points(state) if p.get("kind") == POSTULATE]
    return sorted(rows, key=lambda r: (r["date"], r["source"]))


def matches(row: dict[str, Any], query: str) -> bool:
    """Every word of ``query`` occurs in the row (case and Polish letters ignored)."""
    hay = fold(" ".join(str(row[c]) for c in ("organisation", "postulate", "response", "unit", "source")))
    return all(word in hay for word in fold(query).split())


def filter_rows(rows: list[dict[str, Any]], query: str, topics: list[str]) -> list[dict[str, Any]]:
    out = [r for r in rows if matches(r, query)] if query.strip() else list(rows)
    if topics:
        out = [r for r in out if set(topics) & set(r["topics"])]
    return out


def to_csv(rows: list[dict[str, Any]], lang: str) -> bytes:
    """The table as CSV (UTF-8 with BOM, so spreadsheet programs read Polish letters)."""
    frame = pd.DataFrame(
        [{t(f"col_{c}", lang): (", ".join(r[c]) if c == "topics" else r[c]) for c in COLUMNS} for r in rows],
        columns=[t(f"col_{c}", lang) for c in COLUMNS],
    )
    return frame.to_csv(index=False).encode("utf-8-sig")


def find_precedents(state: IndexState, text: str, k: int = 8) -> list[Hit]:
    """Earlier postulates similar to ``text`` (records when indexed, else minutes and news passages)."""
    return similar_records(resources.retriever(state), text, k=k)


def render_precedent(hit: Hit, state: IndexState, lang: str) -> None:
    """One similar earlier postulate (or passage): who, when, what, the city's response, the file."""
    p = hit.payload or {}
    with st.container(border=True):
        if p.get("kind") == POSTULATE:
            row = record_row(p, state.documents)
            similarity = t("precedent_similarity", lang, score=hit.score)
            head = " · ".join(x for x in (f"{hit.rank}.", row["organisation"], row["date"], similarity) if x)
            st.markdown(f"**{escape_md(head)}**")
            st.markdown(escape_block(row["postulate"]))
            response = row["response"] or t("precedent_no_response", lang)
            unit = f" ({row['unit']})" if row["unit"] else ""
            st.markdown(f"**{t('precedent_response', lang)}{escape_md(unit)}:** " + escape_block(response))
            link, source = row["link"], row["source"]
        else:
            similarity = t("precedent_similarity", lang, score=hit.score)
            head = " · ".join(x for x in (f"{hit.rank}.", hit.title, hit.date or "", similarity) if x)
            st.markdown(f"**{escape_md(head)}**")
            st.caption(t("precedent_passage", lang))
            st.markdown(escape_block(hit.text))
            link, source = file_url(hit.doc_id, hit.page) or "", hit.title
        if link:
            st.markdown(f"[{t('open_original', lang)}]({link}) · {escape_md(source)}")


def render(state: IndexState, lang: str) -> None:
    """The precedents tab."""
    st.caption(t("precedents_intro", lang))
    rows = records(state)
    if rows:
        query = st.text_input(t("precedents_search", lang), key="prec_query", help=t("precedents_search_help", lang))
        all_topics = sorted({topic for r in rows for topic in r["topics"]})
        picked = (
            st.multiselect(t("precedents_topic", lang), all_topics, format_func=lambda x: topic_label(x, lang), key="prec_topics", placeholder="—")
            if all_topics
            else []
        )
        shown = filter_rows(rows, query, picked)
        st.caption(t("precedents_count", lang, shown=len(shown), total=len(rows)))
        frame = pd.DataFrame(
            [{c: (", ".join(topic_label(x, lang) for x in r[c]) if c == "topics" else r[c]) for c in COLUMNS} for r in shown],
            columns=list(COLUMNS),
        )
        st.dataframe(
            frame,
            hide_index=True,
            column_config={
                **{c: st.column_config.TextColumn(t(f"col_{c}", lang), width=WIDTHS.get(c, "small")) for c in COLUMNS if c != "link"},
                "link": st.column_config.LinkColumn(t("col_link", lang), display_text="↗"),
            },
            key="prec_table",
        )
        st.download_button(
            t("precedents_csv", lang), to_csv(shown, lang), file_name="postulaty.csv", mime="text/csv", key="prec_csv"
        )
    else:
        st.info(t("precedents_empty", lang))
    st.subheader(t("find_precedent", lang))
    with st.form("find_precedent"):
        text = st.text_area(t("find_precedent_label", lang), key="prec_text", help=t("find_precedent_help", lang))
        submitted = st.form_submit_button(t("find_precedent_button", lang))
    if submitted and text.strip():
        hits = find_precedents(state, text.strip())
        if not hits:
            st.info(t("precedent_none", lang))
        for hit in hits:
            render_precedent(hit, state, lang)

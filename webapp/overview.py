"""The overview tab: how often each topic appears per year across the documents."""

from __future__ import annotations

from collections import Counter
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from indexer.annotate.topics import topic_label
from webapp import resources
from webapp.i18n import doc_type_label, t
from webapp.resources import IndexState


def _year(date: Any) -> str | None:
    text = str(date or "")
    return text[:4] if len(text) >= 4 and text[:4].isdigit() else None


def topic_counts(rows: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """(year, topic) → number of passages tagged with the topic (records not counted twice)."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        if row.get("kind", "passage") != "passage":
            continue
        year = _year(row.get("date"))
        for topic in row.get("topics") or []:
            if year:
                counts[(year, str(topic))] += 1
    return counts


def type_counts(rows: list[dict[str, Any]]) -> Counter[tuple[str, str]]:
    """(year, document type) → number of passages: the fallback chart without topic tags."""
    counts: Counter[tuple[str, str]] = Counter()
    for row in rows:
        year = _year(row.get("date"))
        if year and row.get("kind", "passage") == "passage":
            counts[(year, str(row.get("type") or "document"))] += 1
    return counts


def frame_of(counts: Counter[tuple[str, str]], label: Any, lang: str) -> pd.DataFrame:
    """Long table (year, series, count) with readable series names."""
    data = [{"year": year, "series": label(name, lang), "count": n} for (year, name), n in sorted(counts.items())]
    return pd.DataFrame(data, columns=["year", "series", "count"])


def heatmap(frame: pd.DataFrame, lang: str) -> alt.LayerChart:
    """Topics × years, each cell coloured by its count and labelled with it (readable without colour)."""
    year, series, count = t("overview_year", lang), t("overview_topic", lang), t("overview_count", lang)
    order = frame.groupby("series")["count"].sum().sort_values(ascending=False).index.tolist()
    base = alt.Chart(frame).encode(
        x=alt.X("year:O", title=year, axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("series:N", title=series, sort=order, axis=alt.Axis(labelLimit=320)),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("count:Q", title=count, scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("year:O", title=year), alt.Tooltip("series:N", title=series), alt.Tooltip("count:Q", title=count)],
    )
    top = float(frame["count"].max() or 1)
    labels = base.mark_text(fontSize=13).encode(
        text="count:Q",
        color=alt.condition(alt.datum.count > top / 2, alt.value("#ffffff"), alt.value("#1a1a1a")),
    )
    return (cells + labels).properties(height=max(160, 26 * len(order)))


def render(state: IndexState, lang: str) -> None:
    """The overview tab."""
    rows = resources.points(state)
    counts = topic_counts(rows)
    if counts:
        st.caption(t("overview_intro", lang))
        frame = frame_of(counts, topic_label, lang)
    else:
        st.info(t("overview_missing", lang))
        frame = frame_of(type_counts(rows), doc_type_label, lang)
    if frame.empty:
        return
    st.altair_chart(heatmap(frame, lang), width="stretch")
    with st.expander(t("overview_table", lang), key="overview_table"):
        pivot = frame.pivot_table(index="series", columns="year", values="count", fill_value=0, aggfunc="sum")
        pivot.index.name = t("overview_topic", lang)
        pivot.columns.name = t("overview_year", lang)
        st.dataframe(pivot, key="overview_pivot")

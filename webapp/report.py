"""The evaluation report tab: the latest Markdown report and its plots from ``python -m eval``."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from eval.report import DEFAULT_OUT, latest_report
from webapp.i18n import t


def render(lang: str, out_dir: Path | None = None) -> None:
    """The report tab (our own generated report: Markdown tables and PNG plots, no document text)."""
    out_dir = out_dir or DEFAULT_OUT
    markdown, images = latest_report(out_dir)
    if not markdown and not images:
        st.info(t("report_missing", lang, out=out_dir))
        return
    st.caption(t("report_intro", lang, out=out_dir))
    if markdown:
        st.markdown(markdown)
    for image in images:
        if image.is_file():
            st.image(str(image), caption=image.stem.replace("_", " "))

"""The documents tab: what is indexed (metadata, passages, warnings) and, for admins, uploads."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
import streamlit as st

from indexer.errors import BuildLockedError
from webapp import resources, uploads
from webapp.files import file_url
from webapp.i18n import doc_type_label, t
from webapp.render import escape_md
from webapp.resources import IndexState

_OCR = re.compile(r"pages without text,? need(?:s|ing)? OCR:?\s*([^;]*)", re.I)
_BLANK = re.compile(r"pages without text \(blank, or OCR found none\):?\s*([^;]*)", re.I)
ADMIN = "is_admin"
LAST_BUILD = "last_build_messages"


def warning_text(warning: str, lang: str) -> str:
    """A loader warning in the interface language (pages without text → needs OCR)."""
    match = _OCR.search(warning)
    if match:
        return t("needs_ocr", lang, pages=match.group(1).strip() or "?")
    match = _BLANK.search(warning)
    if match:
        return t("blank_pages", lang, pages=match.group(1).strip() or "?")
    return warning


def document_rows(state: IndexState, lang: str) -> list[dict[str, Any]]:
    """One row per indexed document, newest first."""
    rows = []
    for doc_id, doc in state.documents.items():
        rows.append(
            {
                "title": doc.get("title") or doc_id,
                "date": doc.get("date") or "",
                "type": doc_type_label(doc.get("type"), lang),
                "chunks": int(doc.get("chunks") or 0),
                "warnings": "; ".join(warning_text(w, lang) for w in doc.get("warnings") or []),
                "file": file_url(doc_id) or "",
                "doc_id": doc_id,
            }
        )
    return sorted(rows, key=lambda r: (r["date"], r["title"]), reverse=True)


def admin_password(settings: Any) -> str | None:
    """The admin password: Streamlit secrets first, then NGO_ADMIN_PASSWORD."""
    try:
        secret = st.secrets.get("admin_password")
    except Exception:  # noqa: BLE001 - no secrets file at all is the usual case
        secret = None
    return str(secret) if secret else settings.admin_password


def render_table(state: IndexState, lang: str) -> None:
    manifest = state.manifest
    st.caption(t("documents_intro", lang, version=state.version, built=manifest.get("built_at", "?")))
    rows = document_rows(state, lang)
    st.markdown(t("documents_count", lang, docs=len(rows), chunks=sum(r["chunks"] for r in rows)))
    published = resources.published(state)
    frame = pd.DataFrame(
        [{**r, "file": r["file"] if r["doc_id"] in published else ""} for r in rows],
        columns=["title", "date", "type", "chunks", "warnings", "file"],
    )
    st.dataframe(
        frame,
        hide_index=True,
        key="documents_table",
        column_config={
            "title": st.column_config.TextColumn(t("col_title", lang), width="large"),
            "date": st.column_config.TextColumn(t("col_date", lang), width="small"),
            "type": st.column_config.TextColumn(t("col_type", lang), width="medium"),
            "chunks": st.column_config.NumberColumn(t("col_chunks", lang), width="small"),
            "warnings": st.column_config.TextColumn(t("col_warnings", lang), width="medium"),
            "file": st.column_config.LinkColumn(t("col_file", lang), display_text="↗", width="small"),
        },
    )
    for r in rows:
        if r["warnings"]:
            st.warning(escape_md(f"{r['title']}: {r['warnings']}"))
    errors = manifest.get("errors") or []
    if errors:
        with st.expander(f"{t('skipped_files', lang)} ({len(errors)})", key="skipped_files"):
            for e in errors:
                st.markdown("- " + escape_md(f"{e.get('path')}: {e.get('error')}"))


def render_login(expected: str, lang: str) -> None:
    with st.form("admin_login"):
        given = st.text_input(t("admin_password", lang), type="password", key="admin_password_input")
        if st.form_submit_button(t("admin_login", lang)):
            if uploads.password_ok(given, expected):
                st.session_state[ADMIN] = True
                st.rerun()
            else:
                st.error(t("admin_wrong", lang))


def run_build(state: IndexState, lang: str) -> list[tuple[str, str]]:
    """Re-index with a progress bar; returns (level, message) pairs to show after the rerun."""
    progress, bar = resources.build_progress(lang, t("indexing", lang))
    try:
        report = uploads.reindex(state.settings, progress=progress)
    except BuildLockedError:
        bar.empty()
        return [("error", t("build_locked", lang))]
    bar.empty()
    messages = [("warning", t("skipped", lang, path=p, problem=e)) for p, e in report.errors]
    messages.append(
        (
            "success",
            t(
                "indexed", lang, docs=report.documents, chunks=report.chunks, embedded=report.embedded,
                reused=report.reused, seconds=report.seconds.get("total", 0.0),
            ),
        )
    )
    return messages


def render_uploads(state: IndexState, lang: str) -> None:
    st.subheader(t("upload_header", lang))
    for level, text in st.session_state.pop(LAST_BUILD, []):
        getattr(st, level)(escape_md(text))
    expected = admin_password(state.settings)
    if not expected:
        st.info(t("upload_no_password", lang))
        return
    if not st.session_state.get(ADMIN):
        st.caption(t("upload_locked", lang))
        render_login(expected, lang)
        return
    st.caption(t("admin_ok", lang))
    limit = state.settings.max_file_bytes
    mb = max(1, limit // (1024 * 1024))
    files = st.file_uploader(
        t("upload_label", lang, mb=mb), type=[s.lstrip(".") for s in uploads.ALLOWED_SUFFIXES],
        accept_multiple_files=True, key="upload_files", max_upload_size=mb,
    )
    col1, col2, col3 = st.columns(3)
    add = col1.button(t("upload_button", lang), key="upload_go", disabled=not files, type="primary")
    rebuild = col2.button(t("reindex_button", lang), key="reindex_go")
    if col3.button(t("admin_logout", lang), key="admin_logout"):
        st.session_state[ADMIN] = False
        st.rerun()
    if not (add or rebuild):
        return
    messages: list[tuple[str, str]] = []
    saved = 0
    for f in (files or []) if add else []:
        data = f.getvalue()
        try:
            name = uploads.check(f.name, data, limit)
        except uploads.Rejected as exc:
            messages.append(("error", t("upload_rejected", lang, name=f.name, reason=t(exc.key, lang, **exc.values))))
            continue
        path = uploads.save(name, data, state.settings.corpus_dir)
        messages.append(("info", t("upload_saved", lang, name=path.name)))
        saved += 1
    if saved or rebuild:
        messages += run_build(state, lang)
    st.session_state[LAST_BUILD] = messages
    st.rerun()


def render(state: IndexState, lang: str) -> None:
    """The documents tab."""
    render_table(state, lang)
    render_uploads(state, lang)

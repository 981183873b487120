"""The indexed documents' original files, served by Streamlit's static file serving.

Streamlit serves ``static/`` beside ``app.py`` at ``app/static/`` (``server.enableStaticServing``)
and refuses symlinks that leave that folder, so each document is hard-linked (or copied) into
``static/corpus/<doc_id>``. Text-like files (``.txt``, ``.md``, ``.html``) are published as UTF-8
``.txt`` so the browser shows them as plain text: a document's HTML never runs in the app's origin.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

logger = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PUBLIC_FOLDER = "corpus"
URL_PREFIX = "app/static"
_BINARY = {".pdf", ".docx"}
_TEXT_AS_IS = {".txt"}


def public_name(doc_id: str) -> str | None:
    """Relative path under ``static/corpus/`` where ``doc_id`` is served, or None if unsafe."""
    parts = PurePosixPath(doc_id).parts
    if not parts or any(p in ("", ".", "..") or p.startswith(".") for p in parts) or doc_id.startswith("/"):
        return None
    suffix = PurePosixPath(doc_id).suffix.lower()
    if suffix in _BINARY or suffix in _TEXT_AS_IS:
        return doc_id
    return doc_id + ".txt"


def file_url(doc_id: str, page: int | None = None) -> str | None:
    """The URL of a document's original file (PDFs open at ``#page=N``)."""
    name = public_name(doc_id)
    if name is None:
        return None
    url = f"{URL_PREFIX}/{PUBLIC_FOLDER}/" + quote(name)
    if page and doc_id.lower().endswith(".pdf"):
        url += f"#page={int(page)}"
    return url


def source_path(doc: dict[str, Any], doc_id: str, corpus_dir: Path) -> Path | None:
    """Where a document's file is on disk: its recorded source, else under the corpus folder."""
    candidates = []
    if doc.get("source"):
        candidates.append(Path(doc["source"]))
    candidates.append(Path(corpus_dir) / doc_id)
    for path in candidates:
        if path.is_file():
            return path
    return None


def publish(documents: dict[str, dict[str, Any]], corpus_dir: Path, static_dir: Path = STATIC_DIR) -> dict[str, str]:
    """Make every indexed document downloadable; returns ``{doc_id: url}`` of those published."""
    root = static_dir / PUBLIC_FOLDER
    published: dict[str, str] = {}
    for doc_id, doc in documents.items():
        name = public_name(doc_id)
        src = source_path(doc, doc_id, corpus_dir)
        if name is None or src is None:
            continue
        target = root / name
        try:
            _publish_one(src, target, text=src.suffix.lower() not in _BINARY)
        except OSError as exc:
            logger.warning("cannot publish %s for download: %s", src, exc)
            continue
        published[doc_id] = file_url(doc_id) or ""
    return published


def _publish_one(src: Path, target: Path, text: bool) -> None:
    """Hard-link (or copy) ``src`` to ``target`` unless it is already there and current."""
    stat = src.stat()
    if target.exists():
        current = target.stat()
        if current.st_ino == stat.st_ino or current.st_mtime >= stat.st_mtime:
            return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    data = src.read_bytes() if text else b""
    if text and not _is_utf8(data):
        from indexer.documents.loaders import LoadError, decode_text

        try:
            tmp.write_bytes(decode_text(data)[0].encode("utf-8"))
        except LoadError:
            return
    else:
        _link_or_copy(src, tmp)
    os.replace(tmp, target)


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)

"""Uploaded documents: checked (type, size, content), saved under the corpus folder, indexed.

Uploads land in ``<corpus>/uploads/`` so that the command-line build of the corpus sees them too;
re-indexing goes through ``indexer.build``, which reuses the vectors of unchanged documents.
"""

from __future__ import annotations

import hmac
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from indexer.build import BuildReport, Progress, build
from indexer.documents.docx import is_docx
from indexer.documents.loaders import LoadError, decode_text
from indexer.settings import Settings

ALLOWED_SUFFIXES = (".pdf", ".txt", ".html", ".htm", ".docx")
UPLOAD_FOLDER = "uploads"


@dataclass
class Rejected(Exception):
    """An upload that is refused; ``key`` and ``values`` name the reason for the UI texts."""

    key: str
    values: dict[str, object] = field(default_factory=dict)


def safe_name(name: str) -> str:
    """A file name without folders or odd characters (Polish letters kept)."""
    base = Path(name.replace("\\", "/")).name
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = re.sub(r"\s+", "-", stem)[:120] or "dokument"
    return f"{stem}.{suffix.lower()}" if suffix else stem


def check(name: str, data: bytes, max_bytes: int) -> str:
    """The safe name of an acceptable upload; raises :class:`Rejected` naming the reason."""
    clean = safe_name(name)
    suffix = Path(clean).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise Rejected("reject_type", {"suffix": suffix or "—"})
    if not data:
        raise Rejected("reject_empty")
    if len(data) > max_bytes:
        raise Rejected("reject_size", {"size": len(data) / 1e6, "limit": max_bytes / 1e6})
    if suffix == ".pdf" and b"%PDF-" not in data[:1024]:
        raise Rejected("reject_content", {"detail": "PDF"})
    if suffix == ".docx" and not is_docx(data):
        raise Rejected("reject_content", {"detail": "DOCX"})
    if suffix in (".txt", ".html", ".htm"):
        try:
            decode_text(data)
        except LoadError as exc:
            raise Rejected("reject_content", {"detail": str(exc)}) from exc
    return clean


def save(name: str, data: bytes, corpus_dir: Path) -> Path:
    """Write a checked upload into ``<corpus>/uploads/`` atomically; returns its path."""
    folder = Path(corpus_dir) / UPLOAD_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    tmp = target.with_name(f".{target.name}.upload")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return target


def reindex(settings: Settings, progress: Progress | None = None) -> BuildReport:
    """Index the corpus folder again (unchanged documents keep their vectors)."""
    return build([settings.corpus_dir], settings, progress=progress)


def password_ok(given: str, expected: str | None) -> bool:
    """Constant-time comparison; no configured password means nobody is admin."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))

"""Read documents from disk into text with page numbers: .txt, .md, .html and .pdf.

Every failure is a :class:`LoadError` whose message names the problem in plain words, so the
indexer can report one line per bad file and go on with the others.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

# Letters that tell the two Polish 8-bit code pages apart, and the ones both share.
_POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")


class LoadError(Exception):
    """A document that cannot be read; the message says why, for the user."""


@dataclass(frozen=True)
class Page:
    """Text of one page (``number`` is 1-based for PDFs, ``None`` for unpaginated files)."""

    number: int | None
    text: str


@dataclass
class RawDocument:
    """What a loader read from one file, before metadata and chunking."""

    path: Path
    pages: list[Page]
    content_hash: str
    embedded_title: str | None = None
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)


def load(path: Path, max_bytes: int) -> RawDocument:
    """Read ``path`` into pages of text; raise :class:`LoadError` with the reason when impossible."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type '{suffix or '(none)'}'")
    try:
        size = path.stat().st_size
        if size == 0:
            raise LoadError("empty file (0 bytes)")
        if size > max_bytes:
            raise LoadError(
                f"file too large ({size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.1f} MB)"
            )
        data = path.read_bytes()
    except PermissionError as exc:
        raise LoadError("cannot read the file (permission denied)") from exc
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    digest = hashlib.sha256(data).hexdigest()
    if suffix in PDF_SUFFIXES:
        return _load_pdf(path, data, digest)
    text, encoding = decode_text(data)
    if suffix in HTML_SUFFIXES:
        title, body = html_to_text(text)
        doc = RawDocument(path, [Page(None, body)], digest, embedded_title=title, encoding=encoding)
    else:
        doc = RawDocument(path, [Page(None, text)], digest, encoding=encoding)
    if not doc.text.strip():
        raise LoadError("no text in the file")
    return doc


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8, else as whichever of cp1250 / ISO-8859-2 reads as Polish."""
    if b"\x00" in data[:65536]:
        raise LoadError("binary content (NUL bytes), not a text file")
    try:
        text = data.decode("utf-8-sig")
        encoding = "utf-8"
    except UnicodeDecodeError:
        candidates = []
        for enc in ("cp1250", "iso-8859-2"):
            decoded = data.decode(enc, errors="replace")
            candidates.append((_polish_score(decoded), enc, decoded))
        _, encoding, text = max(candidates)
    if _junk_ratio(text) > 0.1:
        raise LoadError(f"binary content, not text (decoded as {encoding})")
    return text, encoding


def _polish_score(text: str) -> float:
    polish = sum(ch in _POLISH for ch in text)
    bad = sum((not ch.isprintable() and ch not in "\n\r\t") or ch == "\ufffd" for ch in text)
    # Characters that only appear when the other code page was meant (e.g. '¹', '¶', '¼').
    odd = sum(ch in "¹¶¼¥¦¬ŚŤŹť" for ch in text)
    return polish - 5 * bad - 2 * odd


def _junk_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(not ch.isprintable() and ch not in "\n\r\t\f" for ch in sample)
    return bad / len(sample)


_BLOCK_TAGS = {
    "p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "main", "blockquote", "pre",
}


def html_to_text(html: str) -> tuple[str | None, str]:
    """Visible text of an HTML page, headings as Markdown ``#`` lines, list items as ``- ``."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(["script", "style", "noscript", "template", "head", "svg", "iframe"]):
        tag.decompose()
    for tag in soup.find_all(style=re.compile(r"display\s*:\s*none", re.I)):
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.insert_before("\n\n" + "#" * level + " ")
            tag.insert_after("\n\n")
    for tag in soup.find_all("li"):
        tag.insert_before("\n- ")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_after("\n")
    text = soup.get_text()
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not title:
        heading = re.search(r"^# (.+)$", body, re.M)
        title = heading.group(1).strip() if heading else None
    return title, body


def _load_pdf(path: Path, data: bytes, digest: str) -> RawDocument:
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise LoadError(f"encrypted PDF that cannot be opened ({exc})") from exc
            if not ok:
                raise LoadError("encrypted PDF: a password is required")
        pages: list[Page] = []
        empty: list[int] = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if text.strip():
                pages.append(Page(number, text))
            else:
                empty.append(number)
        title = None
        meta = reader.metadata
        if meta is not None and meta.title:
            title = str(meta.title).strip() or None
    except LoadError:
        raise
    except FileNotDecryptedError as exc:
        raise LoadError("encrypted PDF: a password is required") from exc
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise LoadError("PDF has no text layer (scanned document, needs OCR)")
    doc = RawDocument(path, pages, digest, embedded_title=title)
    if empty:
        listed = ", ".join(map(str, empty[:20])) + (" …" if len(empty) > 20 else "")
        doc.warnings.append(f"pages without text, need OCR: {listed}")
    return doc

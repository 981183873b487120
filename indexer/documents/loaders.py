"""Read documents from disk into text with page numbers: .txt, .md, .html, .pdf and .docx.

Every failure is a :class:`LoadError` whose message names the problem in plain words, so the
indexer can report one line per bad file and go on with the others.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import stat
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.documents import cleaning
from indexer.documents.raw import Page, RawDocument
from indexer.errors import LoadError

if TYPE_CHECKING:
    from indexer.documents.ocr import PageReader

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
PDF_SUFFIXES = {".pdf"}
DOCX_SUFFIXES = {".docx"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | DOCX_SUFFIXES
PARSE_SECONDS_LIMIT = 120.0  # one malformed file may not hang the whole build

# Letters that tell the two Polish 8-bit code pages apart, and the ones both share.
_POLISH = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")






def load(path: Path, max_bytes: int) -> RawDocument:
    """Read ``path`` into pages of text; raise :class:`LoadError` with the reason when impossible."""
    data = read_bytes(path, max_bytes)
    return parse(path, data, content_hash(data))


def content_hash(data: bytes) -> str:
    """The document's identity in the index: SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()


def read_bytes(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, refusing unsupported types, non-regular files, empty and oversized ones."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise LoadError(f"unsupported file type '{suffix or '(none)'}'")
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A named pipe or a device would block or never end: never open one.
            raise LoadError("not a regular file (a pipe, socket or device)")
        if info.st_size == 0:
            raise LoadError("empty file (0 bytes)")
        if info.st_size > max_bytes:
            raise LoadError(_too_large(info.st_size, max_bytes))
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)  # the file may have grown since stat()
    except PermissionError as exc:
        raise LoadError("cannot read the file (permission denied)") from exc
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror or exc})") from exc
    if len(data) > max_bytes:
        raise LoadError(_too_large(len(data), max_bytes))
    if not data:
        raise LoadError("empty file (0 bytes)")
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"file too large ({_size(size)}; the limit is {_size(max_bytes)}, NGO_MAX_FILE_BYTES)"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def parse(path: Path, data: bytes, digest: str, ocr: PageReader | None = None) -> RawDocument:
    """Turn a file's bytes into pages of text according to its type (see :func:`load`).

    ``ocr`` reads PDF pages that have no text layer (:mod:`indexer.documents.ocr`); without it
    such pages are reported as needing OCR."""
    suffix = path.suffix.lower()
    if suffix in PDF_SUFFIXES:
        with time_limit(PARSE_SECONDS_LIMIT):
            doc, empty = _load_pdf(path, data, digest)
        from indexer.documents.ocr import add_ocr_pages  # it builds on this module's types

        return add_ocr_pages(doc, data, empty, ocr)
    if suffix in DOCX_SUFFIXES:
        from indexer.documents.docx import load_docx  # it builds on this module's types

        with time_limit(PARSE_SECONDS_LIMIT):
            return load_docx(path, data, digest)
    text, encoding = decode_text(data)
    if suffix in HTML_SUFFIXES:
        from indexer.documents.html import read_page  # it builds on html_to_text below

        with time_limit(PARSE_SECONDS_LIMIT):
            page = read_page(text)
        doc = RawDocument(
            path, [Page(None, page.text)], digest, embedded_title=page.title, encoding=encoding,
            warnings=page.warnings, embedded_date=page.date,
        )
    else:
        if suffix in MARKDOWN_SUFFIXES:
            text = cleaning.markdown_inline(text)
        doc = RawDocument(path, [Page(None, text)], digest, encoding=encoding)
    if not doc.text.strip():
        raise LoadError("no text in the file")
    return doc


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`LoadError` when the block runs longer than ``seconds`` (a parser caught in
    a loop by a malformed file). Only in the main thread, where signals can be used; else a no-op."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expired(signum: int, frame: object) -> None:
        raise LoadError(f"gave up reading after {seconds:.0f} s (malformed file?)")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 (or UTF-16 with a byte-order mark), else as whichever of cp1250 /
    ISO-8859-2 reads as Polish; :class:`LoadError` when the bytes are not text at all."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text, encoding = data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise LoadError("binary content, not text (broken UTF-16)") from exc
    elif b"\x00" in data[:65536]:
        raise LoadError("binary content (NUL bytes), not a text file")
    else:
        try:
            text, encoding = data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            candidates = []
            for enc in ("cp1250", "iso-8859-2"):
                decoded = data.decode(enc, errors="replace")
                candidates.append((_polish_score(decoded), enc, decoded))
            _, encoding, text = max(candidates)
    if _junk_ratio(text) > JUNK_LIMIT:
        raise LoadError(f"binary content, not text (decoded as {encoding})")
    return text, encoding


def _polish_score(text: str) -> float:
    polish = sum(ch in _POLISH for ch in text)
    bad = sum((not ch.isprintable() and ch not in "\n\r\t") or ch == "\ufffd" for ch in text)
    # Characters that only appear when the other code page was meant (e.g. '¹', '¶', '¼').
    odd = sum(ch in "¹¶¼¥¦¬ŚŤŹť" for ch in text)
    return polish - 5 * bad - 2 * odd


# Share of control, replacement, private-use or unassigned characters above which bytes are
# taken for binary: real text has almost none, random bytes decoded as cp1250 have ~13 %.
JUNK_LIMIT = 0.02


def _junk_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(
        ch == "\ufffd" or (unicodedata.category(ch) in ("Cc", "Co", "Cn", "Cs") and ch not in "\n\r\t\f\v")
        for ch in sample
    )
    return bad / len(sample)










def _load_pdf(path: Path, data: bytes, digest: str) -> tuple[RawDocument, list[int]]:
    """The PDF's pages with a text layer, and the numbers of those without."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # pypdf raises several types for unsupported crypto
                raise LoadError(f"encrypted PDF that cannot be opened ({_short(exc)})") from exc
            if not ok:
                raise LoadError("encrypted PDF: a password is required to open it")
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
        raise LoadError("encrypted PDF: a password is required to open it") from exc
    except (PdfReadError, RecursionError, Exception) as exc:  # pypdf fails in many ways on broken files
        raise LoadError(f"corrupt or unreadable PDF ({type(exc).__name__}: {_short(exc)})") from exc
    if not pages and not empty:
        raise LoadError("corrupt or unreadable PDF (no pages)")
    return RawDocument(path, pages, digest, embedded_title=title), empty


def _short(exc: BaseException, limit: int = 160) -> str:
    """An exception's message on one short line (it goes into a one-line report)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

"""Read Word ``.docx`` files without python-docx: the ZIP's ``word/document.xml`` through ElementTree.

Headings become Markdown ``#`` lines, list paragraphs ``- `` items and table rows ``a | b``, so the
chunker sees the document's structure. Deleted tracked changes are skipped; the title comes from
``docProps/core.xml``. Wire into ``indexer.documents.loaders.parse`` with::

    if suffix in DOCX_SUFFIXES:
        return load_docx(path, data, digest)
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from indexer.documents.raw import Page, RawDocument
from indexer.errors import LoadError

DOCX_SUFFIXES = {".docx"}
MAX_XML_BYTES = 200 * 1024 * 1024  # uncompressed; a larger document.xml is a ZIP bomb, not a document

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
_HEADING = re.compile(r"^(?:heading|nag[lł]?[oó]?wek)\s*(\d)$", re.I)
_TITLE_STYLES = {"title", "tytu", "tytul", "tytuł"}


def is_docx(data: bytes) -> bool:
    """Whether ``data`` is a ZIP holding ``word/document.xml``."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _read_xml(archive: zipfile.ZipFile, name: str) -> ET.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_XML_BYTES:
        raise LoadError(f"DOCX part {name} is too large when unpacked ({info.file_size / 1e6:.0f} MB)")
    raw = archive.read(info)
    if b"<!DOCTYPE" in raw[:4096] or b"<!ENTITY" in raw[:65536]:
        raise LoadError("DOCX with a DTD (entity declarations), refused")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise LoadError(f"corrupt DOCX ({name}: {exc})") from exc


def _run_text(element: ET.Element) -> str:
    parts: list[str] = []
    for node in element.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag == f"{_W}tab":
            parts.append("\t")
        elif node.tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
    return "".join(parts)


def _paragraph(p: ET.Element) -> str:
    text = _run_text(p).strip()
    if not text:
        return ""
    props = p.find(f"{_W}pPr")
    style = ""
    if props is not None:
        style_el = props.find(f"{_W}pStyle")
        if style_el is not None:
            style = style_el.get(f"{_W}val", "")
        if props.find(f"{_W}numPr") is not None:
            return "- " + text
    heading = _HEADING.match(style)
    if heading:
        return "#" * min(int(heading.group(1)), 6) + " " + text.replace("\n", " ")
    if style.casefold() in _TITLE_STYLES:
        return "# " + text.replace("\n", " ")
    return text


def _table(tbl: ET.Element) -> list[str]:
    rows = []
    for tr in tbl.iter(f"{_W}tr"):
        cells = []
        for tc in tr.findall(f"{_W}tc"):
            cell = " ".join(filter(None, (_run_text(p).strip() for p in tc.iter(f"{_W}p"))))
            cells.append(cell.replace("\n", " "))
        if any(cells):
            rows.append(" | ".join(cells))
    return rows


def docx_text(data: bytes) -> tuple[str | None, str]:
    """(title, text) of a DOCX file's bytes; raises :class:`LoadError` when it is not one."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise LoadError("corrupt DOCX (not a ZIP archive)") from exc
    with archive:
        document = _read_xml(archive, "word/document.xml")
        if document is None:
            raise LoadError("not a Word document (no word/document.xml)")
        core = _read_xml(archive, "docProps/core.xml")
    body = document.find(f"{_W}body")
    blocks: list[str] = []
    for child in list(body) if body is not None else []:
        if child.tag == f"{_W}p":
            blocks.append(_paragraph(child))
        elif child.tag == f"{_W}tbl":
            blocks.append("\n".join(_table(child)))
    text = "\n\n".join(b for b in blocks if b)
    title = None
    if core is not None:
        node = core.find(_DC_TITLE)
        title = node.text.strip() if node is not None and node.text and node.text.strip() else None
    return title, text


def load_docx(path: Path, data: bytes, digest: str) -> RawDocument:
    """A :class:`RawDocument` (one unpaginated page) from a DOCX file's bytes."""
    title, text = docx_text(data)
    if not text.strip():
        raise LoadError("no text in the DOCX file")
    return RawDocument(path, [Page(None, text)], digest, embedded_title=title, encoding="docx")

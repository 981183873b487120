"""The DOCX reader: structure (headings, lists, tables), Polish letters, title, and refusals."""

from __future__ import annotations

import io
import zipfile

import pytest

from indexer.documents.docx import docx_text, is_docx, load_docx
from indexer.documents.loaders import LoadError

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(body: str, core: str | None = None, extra_head: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?>{extra_head}<w:document {W}><w:body>{body}</w:body></w:document>')
        if core:
            z.writestr(
                "docProps/core.xml",
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{core}</dc:title></cp:coreProperties>',
            )
    return buf.getvalue()


def _p(text: str, style: str | None = None, numbered: bool = False) -> str:
    props = ""
    if style or numbered:
        props = "<w:pPr>" + (f'<w:pStyle w:val="{style}"/>' if style else "") + ("<w:numPr><w:ilvl w:val=\"0\"/></w:numPr>" if numbered else "") + "</w:pPr>"
    return f"<w:p>{props}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"


def test_docx_structure_and_polish_letters(tmp_path):
    body = (
        _p("Sprawozdanie z konsultacji", "Title")
        + _p("Postulaty organizacji", "Heading1")
        + _p("Zwiększenie dostępności lokali", numbered=True)
        + _p("Środki na wkład własny", numbered=True)
        + _p("Odpowiedzi wydziałów", "Nagwek2")
        + '<w:p><w:r><w:t>Wydział</w:t></w:r><w:r><w:delText>usunięte</w:delText></w:r><w:r><w:tab/><w:t>odpowiedział.</w:t></w:r></w:p>'
        + "<w:tbl><w:tr><w:tc>" + _p("Organizacja") + "</w:tc><w:tc>" + _p("Postulat") + "</w:tc></w:tr>"
        + "<w:tr><w:tc>" + _p("Fundacja Źródło") + "</w:tc><w:tc>" + _p("Świetlica dla seniorów") + "</w:tc></w:tr></w:tbl>"
    )
    data = _docx(body, core="Konsultacje 2025 — żółć")
    assert is_docx(data)
    title, text = docx_text(data)
    assert title == "Konsultacje 2025 — żółć"
    assert text.split("\n\n") == [
        "# Sprawozdanie z konsultacji",
        "# Postulaty organizacji",
        "- Zwiększenie dostępności lokali",
        "- Środki na wkład własny",
        "## Odpowiedzi wydziałów",
        "Wydział\todpowiedział.",
        "Organizacja | Postulat\nFundacja Źródło | Świetlica dla seniorów",
    ]
    doc = load_docx(tmp_path / "k.docx", data, "abc")
    assert doc.embedded_title == title and doc.pages[0].number is None


def test_docx_refusals():
    assert not is_docx(b"%PDF-1.4")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("content.xml", "<x/>")
    assert not is_docx(buf.getvalue())
    with pytest.raises(LoadError, match="no word/document.xml"):
        docx_text(buf.getvalue())
    with pytest.raises(LoadError, match="not a ZIP"):
        docx_text(b"PK\x03\x04 broken")
    bomb = '<!DOCTYPE lol [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    with pytest.raises(LoadError, match="DTD"):
        docx_text(_docx(_p("&b;"), extra_head=bomb))
    with pytest.raises(LoadError, match="corrupt DOCX"):
        docx_text(_docx("<w:p><w:r><w:t>niedomknięty"))
    with pytest.raises(LoadError, match="no text"):
        load_docx(__import__("pathlib").Path("pusty.docx"), _docx(""), "h")

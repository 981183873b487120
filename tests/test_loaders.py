"""Loaders: encodings, HTML, PDF pages, and clear errors for bad files."""

import random
from pathlib import Path

import pytest

from indexer.documents.loaders import LoadError, load
from tests.conftest import make_pdf

POLISH = "Zażółć gęślą jaźń. Współpraca z organizacjami pozarządowymi w Krakowie: ŚĆŹŻŁ."
LIMIT = 10 * 1024 * 1024


@pytest.mark.parametrize("encoding", ["utf-8", "cp1250", "iso-8859-2"])
def test_text_encodings_are_detected(tmp_path: Path, encoding: str):
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(((POLISH + "\n") * 3).encode(encoding))
    doc = load(path, LIMIT)
    assert POLISH in doc.text
    assert doc.encoding == encoding


def test_html_keeps_visible_text_and_title(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Dialog z NGO</title><style>p{color:red}</style></head>"
        "<body><script>alert('x')</script><h1>Spotkanie</h1><p>Miasto zadeklarowało przegląd procedur.</p>"
        "<div style='display:none'>ukryty tekst</div><ul><li>pierwszy</li><li>drugi</li></ul></body></html>",
        encoding="utf-8",
    )
    doc = load(path, LIMIT)
    assert doc.embedded_title == "Spotkanie"  # the page's heading, not its <title>
    assert "Miasto zadeklarowało przegląd procedur." in doc.text
    assert "# Spotkanie" in doc.text and "pierwszy" in doc.text
    assert "alert" not in doc.text and "color:red" not in doc.text and "ukryty" not in doc.text


def test_markdown_reads_as_its_visible_text(tmp_path: Path):
    """Quotes come from the text a reader sees: no ``**`` or link syntax, headings kept."""
    path = tmp_path / "news.md"
    path.write_text(
        "## **Współpraca miasta**\n\n**Sesja Rady Miasta** odbędzie się w środę.\n\n"
        "Sprawozdanie można znaleźć [tutaj](#), a informacje na [stronie miasta](https://www.krakow.pl/ngo).\n\n"
        "- 14) promocji wolontariatu;\n\n**Magiczny  \nKraków**\n",
        encoding="utf-8",
    )
    text = load(path, LIMIT).text
    assert "## Współpraca miasta" in text
    assert "Sesja Rady Miasta odbędzie się w środę." in text
    assert "znaleźć tutaj, a informacje na stronie miasta (https://www.krakow.pl/ngo)." in text
    assert "*" not in text and "](" not in text
    assert "- 14) promocji wolontariatu;" in text


def test_pdf_pages_keep_their_numbers(tmp_path: Path):
    path = make_pdf(tmp_path / "doc.pdf", ["Strona pierwsza: żółw.", "", "Strona trzecia: łąka i źródło."])
    doc = load(path, LIMIT)
    assert [p.number for p in doc.pages] == [1, 3]
    assert "łąka i źródło" in doc.pages[1].text
    assert any("need OCR: 2" in w for w in doc.warnings)


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("empty.txt", b"", "empty file"),
        ("junk.txt", bytes(range(256)) * 40, "binary content"),
        ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\ngarbage", "PDF"),
        ("notes.docx", b"PK\x03\x04", "corrupt DOCX"),
        ("notes.odt", b"PK\x03\x04", "unsupported file type"),
        ("random.pdf", bytes(random.Random(1).randrange(256) for _ in range(5000)), "corrupt or unreadable PDF"),
        ("header-only.pdf", b"%PDF-1.4\n", "corrupt or unreadable PDF"),
        ("utf16-junk.txt", b"\xff\xfe" + b"\x00\xd8" * 10, "binary content"),
        ("control.txt", b"\x01\x02\x03\x04 tekst \x05\x06\x07\x08" * 100, "binary content"),
    ],
)
def test_bad_files_raise_a_clear_error(tmp_path: Path, name: str, content: bytes, reason: str):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load(path, LIMIT)


def test_oversized_file_is_refused(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_text("a" * 2000, encoding="utf-8")
    with pytest.raises(LoadError, match="too large"):
        load(path, 1000)


def test_encrypted_pdf_needs_a_password(tmp_path: Path):
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(tmp_path / "plain.pdf", ["Tajny protokół."])
    writer = PdfWriter()
    for page in PdfReader(plain).pages:
        writer.add_page(page)
    writer.encrypt(user_password="sekret", owner_password="sekret")
    locked = tmp_path / "locked.pdf"
    with open(locked, "wb") as fh:
        writer.write(fh)
    with pytest.raises(LoadError, match="password"):
        load(locked, LIMIT)


def test_scanned_pdf_without_text_needs_ocr(tmp_path: Path):
    path = make_pdf(tmp_path / "scan.pdf", ["", ""])
    with pytest.raises(LoadError, match="needs OCR"):
        load(path, LIMIT)

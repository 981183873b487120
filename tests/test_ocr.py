"""OCR of scanned PDFs, offline: the test makes its own scans (a generated Polish PDF rendered to
an image-only PDF at 200 dpi, tilted, blurred and noisy) and checks words, Polish letters, page
numbers, search citations, the page cache and the clear message where Tesseract is absent."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from indexer.documents import ocr
from indexer.documents.loaders import LoadError, content_hash, parse
from indexer.documents.ocr_cache import OcrCache
from indexer.settings import Settings
from tests.conftest import ROOT

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
POLISH_LETTERS = set("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ")
PAGES = [
    (
        "Sprawozdanie z posiedzenia komisji dialogu obywatelskiego\n\n"
        "§ 1. Komisja omówiła projekt programu współpracy z organizacjami pozarządowymi na przyszły rok. "
        "Przewodnicząca zwróciła uwagę na potrzebę zwiększenia środków na wkład własny stowarzyszeń.\n"
        "Członkowie komisji zgłosili, że wnioski o dotacje są oceniane zbyt długo."
    ),
    (
        "§ 2. Wydział Polityki Społecznej przedstawił plan budowy świetlicy dla młodzieży w Bieżanowie. "
        "Mieszkańcy dzielnicy chcą, żeby świetlica była czynna także w soboty.\n"
        "Urzędnicy zobowiązali się przygotować kosztorys do końca października. "
        "Żółte ławki przy źródełku zostaną odnowione."
    ),
    (
        "§ 3. Głosowanie nad opinią w sprawie konsultacji społecznych odbyło się jawnie. "
        "Za przyjęciem opinii głosowało jedenaście osób, nikt nie był przeciw.\n"
        "Następne spotkanie zaplanowano w Łagiewnikach. Na tym posiedzenie zakończono."
    ),
]
PAGE_2_PHRASE = "świetlica dla młodzieży w Bieżanowie czynna w soboty"


def text_pdf(pages: list[str]) -> bytes:
    """A PDF with a text layer, one page per string, in a font with Polish letters."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", FONT)
    for text in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, text)
    return bytes(pdf.output())


def scanned(source: bytes, dpi: int = 200, tilt: float = 0.5, seed: int = 7) -> bytes:
    """What a scanner makes of ``source``: each page an image (tilted, blurred, noisy), no text."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed)
    images = []
    pdf = pdfium.PdfDocument(source)
    for page in pdf:
        image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        image = image.rotate(tilt, resample=Image.Resampling.BICUBIC, fillcolor=255).filter(ImageFilter.GaussianBlur(0.8))
        noisy = np.asarray(image, dtype=np.int16) + rng.normal(0, 18, size=(image.height, image.width)).astype(np.int16)
        images.append(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)))
    pdf.close()
    out = io.BytesIO()
    images[0].save(out, format="PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (characters)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def flat(text: str) -> str:
    return " ".join(text.split())


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate over whitespace-normalised text."""
    return edit_distance(flat(reference), flat(hypothesis)) / len(flat(reference))


@pytest.fixture(scope="module")
def tesseract() -> ocr.Engine:
    engine, why = ocr.find_engine("tesseract")
    if engine is None:
        pytest.fail(f"Tesseract is needed here ({why}); run: bash scripts/install-test-deps")
    return engine


@pytest.fixture(scope="module")
def scan() -> bytes:
    return scanned(text_pdf(PAGES))


def test_the_scan_has_no_text_layer(scan: bytes):
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(scan))
    assert len(reader.pages) == 3
    assert all(not (page.extract_text() or "").strip() for page in reader.pages)


def test_tesseract_reads_the_scan_with_its_pages_and_polish_letters(scan: bytes, tesseract: ocr.Engine):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(scan)
    assert [ocr.scan_dpi(page) for page in pdf] == [200, 200, 200]  # rendered at the scan's own resolution
    pdf.close()
    started = time.perf_counter()
    pages = ocr.ocr_pdf_pages(scan, [1, 2, 3], tesseract)
    seconds = time.perf_counter() - started
    assert [p.number for p in pages] == [1, 2, 3]
    rate = cer("\n".join(PAGES), "\n".join(p.text for p in pages))
    source_letters = [ch for ch in "".join(PAGES) if ch in POLISH_LETTERS]
    read_letters = [ch for ch in "".join(p.text for p in pages) if ch in POLISH_LETTERS]
    print(f"OCR: {seconds / 3:.2f} s a page, CER {rate:.2%}, Polish letters {len(read_letters)}/{len(source_letters)}")
    assert rate <= 0.02
    assert set(read_letters) == set(source_letters)
    assert abs(len(read_letters) - len(source_letters)) <= 0.03 * len(source_letters)
    for page, source in zip(pages, PAGES):  # each page's own words on its own page
        assert cer(source, page.text) <= 0.03, (page.number, page.text)
    assert pages[0].text.lstrip().startswith("Sprawozdanie z posiedzenia")
    assert "§ 2." in pages[1].text and "Bieżanowie" in pages[1].text
    assert "§ 3." in pages[2].text and "Łagiewnikach" in pages[2].text


def test_section_signs_misread_by_the_polish_model_are_restored():
    text = "$ 12. Zarząd przyjął plan.\n5 4. Komisja wybrała przewodniczącego.\nKoszt: 40 $ albo US$5; 5 kg. mąki\n$$ 3-5 uchylono."
    assert ocr.restore_sections(text) == (
        "§ 12. Zarząd przyjął plan.\n§ 4. Komisja wybrała przewodniczącego.\nKoszt: 40 $ albo US$5; 5 kg. mąki\n§§ 3-5 uchylono."
    )


def test_a_mixed_pdf_ocrs_only_its_page_without_text(tmp_path: Path, tesseract: ocr.Engine):
    from pypdf import PdfReader, PdfWriter

    typed = PdfReader(io.BytesIO(text_pdf([PAGES[0]])))
    image_only = PdfReader(io.BytesIO(scanned(text_pdf([PAGES[1]]))))
    writer = PdfWriter()
    writer.add_page(typed.pages[0])
    writer.add_page(image_only.pages[0])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    seen: list[tuple[int, int]] = []
    reader = ocr.PageReader(tesseract, cache=OcrCache(tmp_path / "cache"), progress=lambda d, t: seen.append((d, t)))
    doc = parse(tmp_path / "mixed.pdf", data, content_hash(data), reader)
    assert [(p.number, p.ocr) for p in doc.pages] == [(1, None), (2, "tesseract")]
    assert seen[-1] == (1, 1)  # one page to OCR, one read
    assert "Sprawozdanie z posiedzenia" in doc.pages[0].text and "Bieżanowie" in doc.pages[1].text
    assert not doc.warnings and not doc.unread_pages


def test_a_corrupt_cache_entry_is_read_again(tmp_path: Path, scan: bytes, tesseract: ocr.Engine):
    cache = OcrCache(tmp_path / "cache")
    first = ocr.ocr_pdf_pages(scan, [1], tesseract, cache)
    entries = list((tmp_path / "cache").glob("*/*.json"))
    assert len(entries) == 1 and not first[0].cached
    assert ocr.ocr_pdf_pages(scan, [1], tesseract, cache)[0].cached
    entries[0].write_bytes(b'{"format": 1, "key": "trunc')
    again = ocr.ocr_pdf_pages(scan, [1], tesseract, cache)
    assert not again[0].cached and again[0].text == first[0].text
    assert cache.get(entries[0].stem) == first[0].text  # rewritten


def test_ocr_off_keeps_the_clear_message(tmp_path: Path, scan: bytes):
    with pytest.raises(LoadError, match=r"PDF has no text layer \(scanned document, needs OCR\): OCR is off \(NGO_OCR=off\)"):
        parse(tmp_path / "scan.pdf", scan, content_hash(scan), ocr.reader_for("off", tmp_path / "cache"))


@pytest.fixture(scope="module")
def scan_corpus(tmp_path_factory: pytest.TempPathFactory, scan: bytes) -> Path:
    folder = tmp_path_factory.mktemp("scan-corpus")
    (folder / "protokol-skan.pdf").write_bytes(scan)
    (folder / "notatka.txt").write_text(
        "Notatka\n\nFundacja z Podgórza zaprosiła seniorów na warsztaty komputerowe w bibliotece.\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def scan_index(scan_corpus: Path, tmp_path_factory: pytest.TempPathFactory, tesseract: ocr.Engine):
    """The scan and a text note built into an index with the real model and engine."""
    from indexer.build import build

    root = tmp_path_factory.mktemp("scan-index")
    settings = replace(Settings.from_env(), index_dir=root / "index", ocr="auto", ocr_cache_dir=root / "ocr-cache", qdrant_url=None)
    stages: list[tuple[str, int, int]] = []
    report = build([scan_corpus], settings, progress=lambda s, d, t: stages.append((s, d, t)))
    return settings, report, stages


def test_a_scanned_pdf_is_indexed_with_its_pages_and_cited_by_page(
    scan_index, scan_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
):
    from assistant.retrieval.retriever import Retriever
    from indexer.__main__ import main
    from indexer.build import build

    settings, report, stages = scan_index
    assert report.ok and report.documents == 2, report.errors
    assert report.ocr == [(str(scan_corpus / "protokol-skan.pdf"), "pages 1–3 (tesseract)")]
    assert ("ocr", 3, 3) in stages  # progress counts pages
    retriever = Retriever(settings)
    try:
        top = retriever.search(PAGE_2_PHRASE, k=1)[0]
        assert top.doc_id == "protokol-skan.pdf" and top.page == 2
        assert top.payload["ocr"] is True and top.payload["ocr_engine"] == "tesseract"
        other = retriever.search("warsztaty komputerowe dla seniorów w bibliotece", k=1)[0]
        assert other.doc_id == "notatka.txt" and "ocr" not in other.payload
    finally:
        retriever.close()
    assert main(["status", "--index", str(settings.index_dir)]) == 0
    assert "OCR: pages 1–3 (tesseract)" in capsys.readouterr().out

    # A rebuild from scratch (a new index, the same page cache) never reads a page again.
    calls: list[int] = []
    real = ocr._tesseract
    monkeypatch.setattr(ocr, "_tesseract", lambda image, dpi: calls.append(dpi) or real(image, dpi))
    again = build([scan_corpus], replace(settings, index_dir=tmp_path / "index-2"))
    assert again.ok and calls == []
    assert again.ocr == [(str(scan_corpus / "protokol-skan.pdf"), "pages 1–3 (tesseract; 3 from the cache)")]


def test_the_app_shows_an_ocr_source_as_ocr_text(scan_index, scan_corpus: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    settings, _, _ = scan_index
    monkeypatch.setenv("NGO_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("NGO_CORPUS_DIR", str(scan_corpus))
    monkeypatch.delenv("NGO_ADMIN_PASSWORD", raising=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    at.chat_input(key="chat_input").set_value("Czy świetlica dla młodzieży w Bieżanowie będzie czynna w soboty?").run()
    assert not at.exception, at.exception
    cited = [e for e in at.expander if "str. 2" in e.label.replace("\\", "")]
    assert cited, [e.label for e in at.expander]
    body = "\n".join(m.value for m in cited[0].markdown).replace("\\", "")
    assert "**Strona:** 2" in body and "protokol-skan.pdf · tekst z OCR (tesseract)" in body


def test_without_tesseract_the_scan_gets_the_clear_message_and_the_rest_is_indexed(scan_corpus: Path, tmp_path: Path):
    env = {
        **os.environ,
        "PATH": str(tmp_path / "no-tools"),  # no tesseract on the PATH
        "NGO_OCR": "tesseract",
        "NGO_OCR_CACHE": str(tmp_path / "ocr-cache"),
    }
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "build", str(scan_corpus), "--index", str(tmp_path / "index")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert result.returncode == 3, result.stderr
    assert (
        f"skipped {scan_corpus / 'protokol-skan.pdf'}: PDF has no text layer (scanned document, needs OCR): "
        "no OCR engine (install Tesseract: apt-get install tesseract-ocr tesseract-ocr-pol)"
    ) in result.stderr
    assert "Indexed 1 documents" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_document_that_needed_ocr_is_read_again_once_ocr_is_there(tmp_path: Path, tesseract: ocr.Engine):
    """Built without OCR, a mixed PDF is indexed with a warning; once OCR is available, the next
    build reads it again (though its bytes did not change) and its scanned page is searchable."""
    from pypdf import PdfReader, PdfWriter

    from indexer.build import build

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(text_pdf([PAGES[0]]))).pages[0])
    writer.add_page(PdfReader(io.BytesIO(scanned(text_pdf([PAGES[2]])))).pages[0])
    docs = tmp_path / "docs"
    docs.mkdir()
    with open(docs / "mieszany.pdf", "wb") as fh:
        writer.write(fh)
    settings = replace(Settings.from_env(), index_dir=tmp_path / "index", ocr="off", ocr_cache_dir=tmp_path / "cache", qdrant_url=None)
    first = build([docs], settings)
    assert first.warnings == [(str(docs / "mieszany.pdf"), "pages without text, need OCR: 2; OCR is off (NGO_OCR=off)")]
    second = build([docs], replace(settings, ocr="auto"))
    assert second.changed == ["mieszany.pdf"] and second.warnings == []
    assert second.ocr == [(str(docs / "mieszany.pdf"), "pages 2 (tesseract)")]
    third = build([docs], replace(settings, ocr="auto"))
    assert third.unchanged == ["mieszany.pdf"] and third.ocr == []

"""A generated archive of city documents for the archive benchmark: text PDFs, scanned PDFs
(pages rendered to noisy, slightly tilted images saved as an image-only PDF), HTML pages with
menus and footers, DOCX files and plain text, all of real Polish paragraphs of the corpus.

Every document gets its own title, date and per-paragraph case references, so no two passages
are the same text; the layout is deterministic for a seed."""

from __future__ import annotations

import html
import io
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

from benchmarks.synthetic import corpus_paragraphs

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
SCAN_DPI = 200
SCAN_SHARE = 10  # one document in ten is a scan
# The other kinds and their weights.
KINDS = (("pdf", 35), ("html", 20), ("docx", 15), ("txt", 20))

TITLES = (
    "Protokół ze spotkania Komisji Dialogu Obywatelskiego", "Sprawozdanie z realizacji programu współpracy",
    "Notatka ze spotkania branżowego", "Informacja o otwartym konkursie ofert", "Komunikat w sprawie konsultacji",
    "Zarządzenie w sprawie powołania zespołu", "Podsumowanie konsultacji społecznych", "Raport z ewaluacji zadania publicznego",
)
UNITS = (
    "Wydział Polityki Społecznej, Równości i Zdrowia", "Wydział Kultury i Dziedzictwa Narodowego",
    "Wydział Sportu", "Wydział Edukacji", "Wydział Mieszkalnictwa", "Miejski Ośrodek Pomocy Społecznej",
    "Zarząd Zieleni Miejskiej", "Wydział Spraw Społecznych",
)
MENU = ("Strona główna", "Aktualności", "Organizacje pozarządowe", "Konkursy", "Konsultacje", "Kontakt", "Mapa strony")
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@dataclass
class ArchiveDoc:
    """One generated document: where it is, what kind, and how many pages it has."""

    name: str
    kind: str  # pdf, scan, html, docx, txt
    pages: int
    paragraphs: int


@dataclass
class _Content:
    title: str
    date: str
    unit: str
    paragraphs: list[str]


def generate(folder: Path, count: int, seed: int = 13, start: int = 0) -> list[ArchiveDoc]:
    """Write documents number ``start`` to ``start + count - 1`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    source = corpus_paragraphs()
    docs = []
    for n in range(start, start + count):
        kind, content = _content(n, seed, source)
        docs.append(write(folder, n, kind, content))
    return docs


def edit(folder: Path, doc: ArchiveDoc, n: int, seed: int = 13) -> ArchiveDoc:
    """Rewrite document number ``n`` with one more paragraph (an edit a rebuild must pick up:
    its other passages keep their text, so only the new one needs embedding)."""
    rng = random.Random(f"edit-{seed}-{n}")
    kind, content = _content(n, seed, corpus_paragraphs())
    content.paragraphs.append(
        f"Uzupełnienie z dnia {rng.randint(1, 28)}.{rng.randint(1, 12):02d}.2025: organizacje zgłosiły "
        f"dodatkowe uwagi do punktu {rng.randint(2, 9)} porządku obrad, które przekazano do {content.unit}."
    )
    (folder / doc.name).unlink()
    return write(folder, n, kind, content)


def _content(n: int, seed: int, source: list[str]) -> tuple[str, _Content]:
    """Document ``n``'s kind and content (the same for the same seed, whatever ``count`` is)."""
    rng = random.Random(f"{seed}-{n}")
    kind = "scan" if n % SCAN_SHARE == SCAN_SHARE - 1 else rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
    size = rng.randint(6, 14) if kind == "scan" else rng.choice((3, 4, 6, 8, 12, 16))
    year = rng.randint(2012, 2025)
    date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    unit = rng.choice(UNITS)
    picked = rng.sample(source, min(size, len(source)))
    paragraphs = [f"{p} (Sprawa {unit.split()[0][:3].upper()}-{n}.{i}.{year}.)" for i, p in enumerate(picked)]
    return kind, _Content(f"{rng.choice(TITLES)} nr {n}/{year}", date, unit, paragraphs)


def write(folder: Path, n: int, kind: str, content: _Content) -> ArchiveDoc:
    """Write one document of ``kind`` and describe it."""
    stem = f"{content.date}_dokument-{n:04d}"
    if kind == "pdf":
        data, pages = _pdf(content)
        name = f"{stem}.pdf"
    elif kind == "scan":
        data, pages = scan(_pdf(content)[0])
        name = f"{stem}-skan.pdf"
    elif kind == "html":
        data, pages, name = _html(content).encode("utf-8"), 1, f"{stem}.html"
    elif kind == "docx":
        data, pages, name = _docx(content), 1, f"{stem}.docx"
    else:
        data, pages, name = _txt(content).encode("utf-8"), 1, f"{stem}.txt"
    (folder / name).write_bytes(data)
    return ArchiveDoc(name, kind, pages, len(content.paragraphs))


def _pdf(content: _Content) -> tuple[bytes, int]:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(content.title)
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("DejaVu", size=14)
    pdf.multi_cell(0, 8, content.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=11)
    pdf.multi_cell(0, 6, f"Kraków, {content.date}. {content.unit}.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for paragraph in content.paragraphs:
        pdf.multi_cell(0, 6, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    return bytes(pdf.output()), pdf.page_no()


def scan(pdf: bytes, dpi: int = SCAN_DPI, seed: int = 5) -> tuple[bytes, int]:
    """An image-only PDF of ``pdf``'s pages as a scanner would make it: grey, tilted, blurred, noisy."""
    import numpy as np
    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(seed + len(pdf))
    images = []
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            image = page.render(scale=dpi / 72).to_pil().convert("L")
            image = image.rotate(float(rng.uniform(-0.6, 0.6)), resample=Image.Resampling.BICUBIC, fillcolor=255)
            image = image.filter(ImageFilter.GaussianBlur(0.6))
            pixels = np.asarray(image, dtype=np.int16) + rng.normal(0, 12, (image.height, image.width)).astype(np.int16)
            images.append(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L"))
    finally:
        document.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=images[1:])
    return out.getvalue(), len(images)


def _html(content: _Content) -> str:
    e = html.escape
    menu = "".join(f'<li><a href="/{i}">{e(item)}</a></li>' for i, item in enumerate(MENU))
    body = "".join(f"<p>{e(p)}</p>" for p in content.paragraphs)
    return (
        f'<!DOCTYPE html><html lang="pl"><head><meta charset="utf-8"><title>{e(content.title)} – Magiczny Kraków</title>'
        f"</head><body><header><nav><ul>{menu}</ul></nav></header>"
        f'<main><article><h1>{e(content.title)}</h1><p class="date">Data publikacji: {content.date}</p>'
        f"<p>{e(content.unit)}</p>{body}</article></main>"
        '<footer><p>Urząd Miasta Krakowa, pl. Wszystkich Świętych 3-4. Ta strona używa plików cookies.</p>'
        f"<ul>{menu}</ul></footer></body></html>"
    )


def _docx(content: _Content) -> bytes:
    def para(text: str, style: str | None = None) -> str:
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        return f'<w:p>{props}<w:r><w:t xml:space="preserve">{html.escape(text)}</w:t></w:r></w:p>'

    body = para(content.title, "Title") + para(f"{content.unit}, {content.date}", "Heading1")
    body += "".join(para(p) for p in content.paragraphs)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", f'<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>')
        z.writestr(
            "docProps/core.xml",
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{html.escape(content.title)}</dc:title></cp:coreProperties>',
        )
    return buf.getvalue()


def _txt(content: _Content) -> str:
    return f"{content.title}\n\n{content.unit}, Kraków, {content.date}\n\n" + "\n\n".join(content.paragraphs) + "\n"

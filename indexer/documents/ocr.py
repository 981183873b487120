"""OCR of PDF pages without a text layer, offline: Tesseract's Polish model, else RapidOCR.

Pages are rendered with pypdfium2 at the scan's own resolution (read from the page's largest
image) and Tesseract is told that resolution (``--dpi``): without it, it guesses and reads
worse. Each Tesseract process runs on one thread (``OMP_THREAD_LIMIT=1``) and pages go in
parallel over the cores, which is several times faster than Tesseract's own threading.
Results are cached by the SHA-256 of the rendered page (:mod:`indexer.documents.ocr_cache`),
so a rebuild never reads the same page twice.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.documents.ocr_cache import OcrCache

logger = logging.getLogger(__name__)

MODES = ("off", "auto", "tesseract", "rapidocr")
LANGUAGE = "pol"
# Render resolution bounds: below 150 dpi letters are too small to read, above 400 the page
# only gets slower (the scan holds no more detail than its own resolution).
MIN_DPI, MAX_DPI, DEFAULT_DPI = 150, 400, 200
INSTALL_HINT = "install Tesseract: apt-get install tesseract-ocr tesseract-ocr-pol"
PAGE_SECONDS_LIMIT = 120  # one page Tesseract cannot finish may not hang the build

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Engine:
    """An OCR engine that is installed and usable here."""

    name: str  # "tesseract" | "rapidocr"
    version: str

    def read(self, image: Any, dpi: int) -> str:
        """Text of one rendered page (a grayscale PIL image at ``dpi``)."""
        if self.name == "tesseract":
            return _tesseract(image, dpi)
        return _rapidocr(image)


@dataclass(frozen=True)
class OcrPage:
    """Text read from one page, and by which engine."""

    number: int
    text: str
    engine: str
    cached: bool = False


def find_engine(mode: str) -> tuple[Engine | None, str]:
    """The engine ``mode`` asks for (``NGO_OCR``) if installed, else ``None`` and why not."""
    mode = (mode or "auto").lower()
    if mode not in MODES:
        return None, f"unknown OCR mode NGO_OCR={mode!r} (use one of: {', '.join(MODES)})"
    if mode == "off":
        return None, "OCR is off (NGO_OCR=off)"
    problems = []
    if mode in ("auto", "tesseract"):
        engine, problem = _find_tesseract()
        if engine is not None:
            return engine, ""
        problems.append(problem)
    if mode in ("auto", "rapidocr"):
        engine, problem = _find_rapidocr()
        if engine is not None:
            return engine, ""
        if mode == "rapidocr":
            problems.append(problem)
    return None, "; ".join(problems)


@lru_cache(maxsize=1)
def _find_tesseract() -> tuple[Engine | None, str]:
    if shutil.which("tesseract") is None:
        return None, f"no OCR engine ({INSTALL_HINT})"
    try:
        import pytesseract

        version = str(pytesseract.get_tesseract_version())
        languages = pytesseract.get_languages(config="")
    except ImportError:
        return None, "no OCR engine (pip install pytesseract)"
    except (OSError, RuntimeError) as exc:  # a broken install: say so instead of failing every page
        return None, f"Tesseract does not run ({exc}; {INSTALL_HINT})"
    if LANGUAGE not in languages:
        return None, "Tesseract has no Polish model (install tesseract-ocr-pol)"
    return Engine("tesseract", version), ""


@lru_cache(maxsize=1)
def _find_rapidocr() -> tuple[Engine | None, str]:
    try:
        from importlib.metadata import version

        import rapidocr  # noqa: F401  (an optional extra: pip install ".[ocr-fallback]")

        return Engine("rapidocr", version("rapidocr")), ""
    except Exception:  # noqa: BLE001  (missing, or onnxruntime broken: either way not usable)
        return None, "no OCR engine (pip install '.[ocr-fallback]' for RapidOCR)"


def _tesseract(image: Any, dpi: int) -> str:
    import pytesseract

    text = pytesseract.image_to_string(
        image, lang=LANGUAGE, config=f"--dpi {dpi} --psm 3", timeout=PAGE_SECONDS_LIMIT
    )
    return restore_sections(text)


# Debian's small Polish model has no "§": "§ 1." comes out "$ 1." (anywhere) or, opening a
# line, "5 1." / "S 1." when a numbered paragraph follows ("5 3. Głosowanie …").
_DOLLAR_SECTION = re.compile(r"(?<![\w$])\$(\$?)(?=\s?\d)")
_LINE_SECTION = re.compile(r"^[5S](?= \d{1,3}[a-z]?\. +[A-ZĄĆĘŁŃÓŚŹŻ])", re.MULTILINE)


def restore_sections(text: str) -> str:
    """Put back the section signs an OCR model without "§" misread."""
    text = _DOLLAR_SECTION.sub(lambda m: "§" * (1 + len(m.group(1))), text)
    return _LINE_SECTION.sub("§", text)


@lru_cache(maxsize=1)
def _rapidocr_engine() -> Any:
    from rapidocr import RapidOCR

    return RapidOCR()


def _rapidocr(image: Any) -> str:
    import numpy as np

    result = _rapidocr_engine()(np.asarray(image.convert("RGB")))
    return "\n".join(getattr(result, "txts", None) or ())


def scan_dpi(page: Any) -> int:
    """The resolution to render a pdfium page at: that of its largest image, clamped."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    best, dpi = 0, DEFAULT_DPI
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        try:
            width_px, _ = obj.get_px_size()
            left, _, right, _ = obj.get_bounds()
        except pdfium.PdfiumError:
            logger.debug("an image pdfium cannot measure: it tells nothing of the resolution")
            continue
        width_in = (right - left) / 72
        if width_px * width_in > best and width_in > 0:
            best, dpi = width_px * width_in, round(width_px / width_in)
    return min(max(dpi, MIN_DPI), MAX_DPI)


def has_images(page: Any) -> bool:
    """Whether a pdfium page shows any picture (a page with none is blank, nothing to read)."""
    import pypdfium2.raw as pdfium_c

    return any(True for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2))


def ocr_pdf_pages(
    data: bytes,
    numbers: Sequence[int],
    engine: Engine,
    cache: OcrCache | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[OcrPage]:
    """Read the pages ``numbers`` (1-based) of the PDF ``data``; blank pages are left out.

    Pages are rendered one at a time (pdfium is not thread-safe) and read in parallel, at most
    ``workers`` (default: the CPU count) at once, so memory stays bounded on long scans."""
    import pypdfium2 as pdfium

    progress = progress or (lambda done, total: None)
    workers = max(1, workers or os.cpu_count() or 1)
    results: dict[int, OcrPage] = {}
    pending: list[tuple[int, str, Future[str]]] = []
    done = 0

    def collect(limit: int) -> None:
        nonlocal done
        while len(pending) > limit:
            number, key, future = pending.pop(0)
            done += 1
            try:
                text = future.result()
            except Exception as exc:  # noqa: BLE001  (one unreadable page must not lose the others)
                logger.warning("OCR (%s) failed on page %d: %s", engine.name, number, exc)
                progress(done, len(numbers))
                continue
            if cache is not None:
                cache.put(key, text)
            results[number] = OcrPage(number, text, engine.name)
            progress(done, len(numbers))

    pdf = pdfium.PdfDocument(data)
    try:
        with _one_thread_per_process(), ThreadPoolExecutor(max_workers=workers) as pool:
            progress(0, len(numbers))
            for number in numbers:
                page = pdf[number - 1]
                try:
                    if not has_images(page):
                        done += 1
                        continue
                    dpi = scan_dpi(page)
                    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                finally:
                    page.close()
                key = page_key(image.tobytes(), dpi, engine)
                text = cache.get(key) if cache is not None else None
                if text is not None:
                    results[number] = OcrPage(number, text, engine.name, cached=True)
                    done += 1
                    progress(done, len(numbers))
                    continue
                pending.append((number, key, pool.submit(engine.read, image, dpi)))
                collect(2 * workers)
            collect(0)
    finally:
        pdf.close()
    return [results[n] for n in numbers if n in results]


def page_key(pixels: bytes, dpi: int, engine: Engine) -> str:
    """Cache key of one page: its rendered pixels, the resolution and the engine that reads it."""
    h = hashlib.sha256(pixels)
    h.update(f"|{dpi}|{engine.name}|{engine.version}|{LANGUAGE}".encode())
    return h.hexdigest()


@contextmanager
def _one_thread_per_process() -> Iterator[None]:
    """Tesseract processes started inside run single-threaded (unless the user chose otherwise)."""
    previous = os.environ.get("OMP_THREAD_LIMIT")
    if previous is None:
        os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("OMP_THREAD_LIMIT", None)


def page_ranges(numbers: Sequence[int]) -> str:
    """``[1, 2, 3, 5]`` as ``"1–3, 5"``."""
    out: list[str] = []
    ordered = sorted(set(numbers))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}–{ordered[j]}")
        i = j + 1
    return ", ".join(out)


def cache_for(folder: Path | None) -> OcrCache | None:
    """The page cache in ``folder`` (``None``: no caching)."""
    return OcrCache(folder) if folder is not None else None


@dataclass
class PageReader:
    """What the loader needs to OCR a PDF's pages without text: the engine (``None`` when
    there is none, ``unavailable`` says why), the page cache and a page-progress callback."""

    engine: Engine | None
    unavailable: str = ""
    cache: OcrCache | None = None
    progress: Progress | None = None

    def read(self, data: bytes, numbers: Sequence[int]) -> list[OcrPage]:
        """OCR of the pages ``numbers`` of the PDF ``data`` (empty without an engine)."""
        if self.engine is None or not numbers:
            return []
        return ocr_pdf_pages(data, numbers, self.engine, self.cache, self.progress)


def reader_for(mode: str, cache_dir: Path | None, progress: Progress | None = None) -> PageReader:
    """A :class:`PageReader` for ``NGO_OCR`` = ``mode``, caching pages in ``cache_dir``."""
    engine, why = find_engine(mode)
    return PageReader(engine, why, cache_for(cache_dir) if engine is not None else None, progress)


def add_ocr_pages(doc: Any, data: bytes, empty: Sequence[int], reader: PageReader | None) -> Any:
    """The loaded PDF ``doc`` (a RawDocument) with its pages without text (``empty``) read by
    OCR where possible; the pages still without text are named in a warning, and a document
    left with no text at all is a LoadError that says why (no engine, or nothing read)."""
    from indexer.documents.raw import Page
    from indexer.errors import LoadError

    found = [p for p in (reader.read(data, empty) if reader is not None else []) if p.text.strip()]
    if found:
        doc.pages = sorted([*doc.pages, *(Page(p.number, p.text, p.engine) for p in found)], key=lambda p: p.number)
    read = {p.number for p in found}
    left = [n for n in empty if n not in read]
    doc.unread_pages = left
    doc.ocr_cached = sum(p.cached for p in found)
    engine = reader.engine if reader is not None else None
    why = f": {reader.unavailable}" if reader is not None and reader.unavailable else ""
    if not doc.pages:
        if engine is None:
            raise LoadError(f"PDF has no text layer (scanned document, needs OCR){why}")
        raise LoadError(f"PDF has no text layer and OCR ({engine.name}) found no text on its pages")
    if left:
        if engine is None:
            doc.warnings.append(f"pages without text, need OCR: {page_ranges(left)}" + (f";{why[1:]}" if why else ""))
        else:
            doc.warnings.append(f"pages without text (blank, or OCR found none): {page_ranges(left)}")
    return doc


def ocr_summary(doc: Any) -> dict[str, Any] | None:
    """``{"pages": [...], "engine": name, "cached": n}`` for a RawDocument's OCR'd pages
    (``None`` if none): what the build log and ``indexer status`` name."""
    numbers = [p.number for p in doc.pages if p.ocr]
    if not numbers:
        return None
    engines = sorted({p.ocr for p in doc.pages if p.ocr})
    return {"pages": numbers, "engine": ", ".join(engines), "cached": doc.ocr_cached}


def describe_ocr(summary: dict[str, Any]) -> str:
    """``"pages 1–3 (tesseract)"``, with how many came from the cache when any did."""
    cached = int(summary.get("cached") or 0)
    note = f"; {cached} from the cache" if cached else ""
    return f"pages {page_ranges(summary['pages'])} ({summary['engine']}{note})"

"""The OCR baseline of the archive benchmark: the ``tesseract`` command alone on the archive's
scanned pages, rendered at the scan resolution, one page per process with ``OMP_THREAD_LIMIT=1``
and as many pages at once as there are cores: the ceiling of the build's OCR stage."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any


def render_pages(pdfs: list[Path], folder: Path, dpi: int) -> list[Path]:
    """Every page of ``pdfs`` as a grey PNG at ``dpi`` (what an OCR engine is given)."""
    import pypdfium2 as pdfium

    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for pdf in pdfs:
        document = pdfium.PdfDocument(pdf)
        try:
            for number, page in enumerate(document, start=1):
                path = folder / f"{pdf.stem}-{number}.png"
                page.render(scale=dpi / 72).to_pil().convert("L").save(path)
                images.append(path)
        finally:
            document.close()
    return images


def tesseract_alone(images: list[Path], dpi: int, lang: str = "pol", workers: int | None = None) -> dict[str, Any]:
    """Time ``tesseract`` on ``images`` (pages in parallel over the cores); ``None`` figures when
    the command is not installed."""
    binary = shutil.which("tesseract")
    workers = workers or os.cpu_count() or 1
    if binary is None or not images:
        return {"available": binary is not None, "pages": len(images), "seconds": None, "pages_s": None, "workers": workers}
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(image: Path) -> int:
        done = subprocess.run([binary, str(image), "stdout", "-l", lang, "--dpi", str(dpi)],
                              capture_output=True, env=env, check=False)
        return len(done.stdout)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        chars = sum(pool.map(one, images))
    seconds = time.perf_counter() - started
    return {"available": True, "pages": len(images), "seconds": seconds, "pages_s": len(images) / seconds,
            "workers": workers, "chars": chars}

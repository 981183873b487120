"""What a loader read from one file: its pages (with the OCR engine where the text came from an
image) and what the file says about itself, before metadata and chunking."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexer.documents.dating import DateGuess


@dataclass(frozen=True)
class Page:
    """Text of one page (``number`` is 1-based for PDFs, ``None`` for unpaginated files;
    ``ocr`` names the engine when the text was read from the page's image)."""

    number: int | None
    text: str
    ocr: str | None = None


@dataclass
class RawDocument:
    """What a loader read from one file, before metadata and chunking."""

    path: Path
    pages: list[Page]
    content_hash: str
    embedded_title: str | None = None
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
    unread_pages: list[int] = field(default_factory=list)  # PDF pages left without text
    ocr_cached: int = 0  # OCR'd pages whose text came from the page cache
    embedded_date: DateGuess | None = None  # a date the file states as its own (a web page's)

    @property
    def text(self) -> str:
        return "\n\n".join(page.text for page in self.pages)

"""From a loaded document to passages: metadata, cleaning, chunking, and the payload stored.

This is the one place that decides what a document becomes in the index; the build only
embeds and stores what it returns. Extra kinds of points (e.g. postulate records) are
:class:`Passage` objects with another ``kind``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer import chunking, cleaning
from indexer.loaders import Page, RawDocument
from indexer.metadata import ManifestEntry, find_date, guess_type, title_from_filename
from indexer.store import point_id

# Bump when cleaning, chunking or what a passage contains changes: the index fingerprint
# includes it, so the next build re-embeds every document.
PIPELINE_VERSION = f"normalize-1/structure-1/{chunking.TARGET_CHARS}-{chunking.MAX_CHARS}"


@dataclass
class Passage:
    """A chunk with its document's metadata, ready to embed and store."""

    doc_id: str
    chunk_no: int
    content_hash: str
    text: str
    page: int | None
    heading_path: tuple[str, ...]
    meta: dict[str, Any]
    kind: str = "passage"

    @property
    def point_id(self) -> str:
        """Deterministic id: document content hash, kind and chunk number."""
        return point_id(self.content_hash, self.chunk_no, self.kind)

    def embedding_text(self) -> str:
        """The passage with a short context line, so that it is embedded as part of its document."""
        context = [self.meta["title"]]
        if self.meta.get("date"):
            context.append(self.meta["date"])
        if self.heading_path:
            context.append(" > ".join(h[:120] for h in self.heading_path))
        return " | ".join(context) + "\n" + self.text

    def lexical_text(self) -> str:
        """What the sparse vector is made of: the passage and its nearest heading."""
        return (self.heading_path[-1] + "\n" if self.heading_path else "") + self.text

    def payload(self) -> dict[str, Any]:
        return {
            **self.meta,
            "doc_id": self.doc_id,
            "chunk_no": self.chunk_no,
            "content_hash": self.content_hash,
            "kind": self.kind,
            "page": self.page,
            "heading_path": list(self.heading_path),
            "text": self.text,
        }



def _source(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()



def describe(raw: RawDocument, entry: ManifestEntry | None) -> dict[str, Any]:
    """Title, date and type of a document: the corpus manifest first, then the file and its text."""
    text_head = raw.text[:3000]
    meta = {
        "title": (entry.title if entry and entry.title else None)
        or raw.embedded_title
        or title_from_filename(raw.path),
        "date": (entry.date if entry and entry.date else None) or find_date(text_head),
        "type": (entry.type if entry and entry.type else None) or guess_type(raw.path.name, text_head),
        "source": _source(raw.path),
        "file_name": raw.path.name,
    }
    if entry and entry.original_name:
        meta["original_name"] = entry.original_name
    return meta


def passages_of(raw: RawDocument, doc_id: str, meta: dict[str, Any]) -> list[Passage]:
    """Clean and chunk one loaded document into passages."""
    pages = [Page(page.number, cleaning.normalize(page.text)) for page in raw.pages]
    return [
        Passage(doc_id, n, raw.content_hash, chunk.text, chunk.page, chunk.heading_path, meta)
        for n, chunk in enumerate(chunking.chunk_pages(pages))
    ]



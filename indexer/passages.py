"""From a loaded document to passages: metadata, cleaning, repair, chunking, records, topics.

This is the one place that decides what a document becomes in the index; the build only
embeds and stores what it returns. A document becomes passages (``kind="passage"``: chunks
along its own structure, the text repaired, the original kept as ``original_text``) and
postulate records (``kind="postulate"``, with ``organisation``, ``postulate``, ``response``,
``unit``, ``location``). Every point carries ``topics`` and ``organisations`` lists.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.annotate import postulates, topics
from indexer.documents import cleaning, tables
from indexer.documents.dating import SCAN_CHARS, date_of
from indexer.documents.loaders import HTML_SUFFIXES, Page, RawDocument
from indexer.documents.metadata import (
    ManifestEntry,
    organisations,
    title_from_filename,
    title_from_text,
    type_of,
)
from indexer.store.schema import point_id
from indexer.text import chunking, repair
from indexer.text.sentences import sentence_spans

logger = logging.getLogger(__name__)

# Bump when cleaning, chunking or what a passage contains changes: the index fingerprint
# includes it, so the next build re-embeds every document.
PIPELINE_VERSION = (
    f"normalize-3/repair-1/tables-1/structure-4/{chunking.TARGET_CHARS}-{chunking.MAX_CHARS}"
    f"/postulates-1/{topics.TOPICS_VERSION}/ocr-1/dating-1/web-1/sections-5/title-terms-1/text-titles-1"
)


def contextual_text(meta: Mapping[str, Any], heading_path: Sequence[str], text: str) -> str:
    """``text`` after a context line (title | date | headings | lead): what the passage embedding
    sees, and what a reranker scores (it rebuilds it from a hit's payload)."""
    context = [str(meta.get("title") or "")]
    if meta.get("date"):
        context.append(str(meta["date"]))
    if heading_path:
        context.append(" > ".join(h[:120] for h in heading_path))
    if meta.get("lead"):
        context.append(str(meta["lead"]))
    return " | ".join(context) + "\n" + text


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
        return contextual_text(self.meta, self.heading_path, self.text)

    def lexical_text(self) -> str:
        """What the sparse vector is made of: the document's title, the passage's nearest heading
        and the passage (a passage of "Regulamin … Centrum Obywatelskiego Podgórze" that gives
        the opening hours answers a question naming Podgórze)."""
        lead = self.meta.get("lead") or ""
        title = self.meta.get("title") or ""
        parts = [title, self.heading_path[-1] if self.heading_path else "", lead, self.text]
        return "\n".join(p for p in parts if p)

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
            "sentences": [list(span) for span in sentence_spans(self.text)],
        }

    def sentence_texts(self) -> list[str]:
        """What is embedded one by one (the ``sentences`` multivector): the passage's sentences,
        in order (their spans are the payload's ``sentences``), then the list's lead, if any."""
        lead = [self.meta["lead"]] if self.meta.get("lead") else []
        return [self.text[s:e] for s, e in sentence_spans(self.text)] + lead



def source_of(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def describe(raw: RawDocument, entry: ManifestEntry | None) -> dict[str, Any]:
    """Title, date and type of a document: the corpus manifest first, then the file and its text.
    What was guessed, and from what, is under ``"guessed"`` (for ``indexer status``; the build
    keeps it out of the passages)."""
    text_head = raw.text[:SCAN_CHARS]
    guessed: dict[str, str] = {}
    if entry and entry.title:
        title, title_source = entry.title, "the manifest's title"
    elif raw.embedded_title:
        title, title_source = raw.embedded_title, "the title"
    elif title_from_text(raw.text[:2000]):
        title, title_source = str(title_from_text(raw.text[:2000])), "its first line"
    else:
        title, title_source = title_from_filename(raw.path), "file name"
    date = entry.date if entry and entry.date else None
    if date is None:
        extra = (raw.embedded_date,) if raw.embedded_date else ()
        found = date_of(text_head, title, raw.path, extra)
        date = found.date
        guessed["date"] = f"{found.date} from {found.evidence}" if found.date else f"none: {found.evidence}"
    doc_type = entry.type if entry and entry.type else None
    if doc_type is None:
        web_page = raw.path.suffix.lower() in HTML_SUFFIXES
        doc_type, type_source = type_of(title, title_source, raw.path.name, text_head, web_page)
        guessed["type"] = f"{doc_type} {type_source}"
    meta: dict[str, Any] = {
        "title": title,
        "date": date,
        "type": doc_type,
        "source": source_of(raw.path),
        "file_name": raw.path.name,
    }
    if entry and entry.original_name:
        meta["original_name"] = entry.original_name
    if guessed:
        meta["guessed"] = guessed
    return meta


def passages_of(raw: RawDocument, doc_id: str, meta: dict[str, Any], embed_topics: bool = True) -> list[Passage]:
    """One loaded document as passages and postulate records, repaired, tagged with topics
    and organisations. The build passes ``embed_topics=False`` and adds each passage's
    embedding topic from the vector it stores (:func:`indexer.annotate.topics.add_vector_topic`)."""
    meta = {k: v for k, v in meta.items() if k != "guessed"}  # for ``indexer status``, not the passages
    pages = [Page(page.number, cleaning.normalize(page.text), page.ocr) for page in raw.pages]
    read_by = {page.number: page.ocr for page in pages if page.ocr}
    # OCR'd text gets the thorough repair whatever its share of unknown words
    context = repair.document_context("\n".join(page.text for page in pages), thorough=True if read_by else None)

    def fix(text: str) -> str:
        return repair.repair_text(text, context.vocabulary, context.thorough).text

    names = organisations(fix("\n".join(page.text for page in pages)))
    host = postulates.host_unit(meta.get("title") or "")
    records: list[postulates.PostulateRecord] = []
    laid_out: list[Page] = []
    for page in pages:
        text, table_records = _tables_as_rows(page, names, context, fix, host)
        records.extend(table_records)
        laid_out.append(Page(page.number, text, page.ocr))
        repaired = fix(text)
        records.extend(postulates.from_notes(repaired, page.number))
        records.extend(postulates.from_prose(repaired, page.number))

    out: list[Passage] = []
    for n, chunk in enumerate(chunking.chunk_pages(laid_out)):
        text = fix(chunk.text)
        extra: dict[str, Any] = {"original_text": chunk.text} if text != chunk.text else {}
        if chunk.lead:
            extra["lead"] = fix(chunk.lead)
        heading = tuple(fix(h) for h in chunk.heading_path)
        out.append(Passage(doc_id, n, raw.content_hash, text, chunk.page, heading, {**meta, **extra}))
    for n, record in enumerate(records):
        payload = {
            **meta,
            "organisation": record.organisation,
            "postulate": record.postulate,
            "response": record.response,
            "unit": record.unit,
            "location": record.location,
            "row": record.row,
            "source_shape": record.source_shape,
            "original_text": record.original_text,
        }
        heading = ("Postulaty", record.location) if record.location else ("Postulaty",)
        out.append(
            Passage(doc_id, n, raw.content_hash, record.render(), record.page, heading, payload, kind=postulates.KIND)
        )
    known = organisations("\n".join(fix(page.text) for page in laid_out))
    for passage in out:
        passage.meta["organisations"] = _organisations_in(passage, known)
        if passage.page in read_by:  # shown with its source as "OCR text"
            passage.meta.update(ocr=True, ocr_engine=read_by[passage.page])
    topics.tag(out, use_embeddings=embed_topics)
    return out


def _organisations_in(passage: Passage, known: list[str]) -> list[str]:
    """Organisations and units a passage names: the record's own, then those of the document's
    list (read line by line, where names end cleanly) that the passage mentions."""
    from indexer.text.analyzer import fold

    found: list[str] = []
    for key in ("organisation", "unit"):
        found += [n for n in (passage.meta.get(key) or "").split("; ") if n]
    text = fold(" ".join(passage.text.split()))
    for name in known:
        if fold(name.rstrip(".,;:")) in text:
            found.append(name)
    clean = list(dict.fromkeys(n.rstrip(".,;: ") for n in found))
    # a name that only repeats the start of a longer one adds nothing
    return [n for n in clean if not any(o != n and o.startswith(n) for o in clean)]


def _tables_as_rows(page: Page, names: list[str], context, fix, host: str | None):
    """The page with each interleaved table replaced by its rows (a heading per row and
    labelled cells), and the postulate records of those rows."""
    found = tables.find_tables(page.text, names, context.vocabulary)
    if not found:
        return page.text, []
    lines = page.text.split("\n")
    records: list[postulates.PostulateRecord] = []
    for table in sorted(found, key=lambda t: t.start_line, reverse=True):
        caption_at = table.start_line - 1
        while caption_at >= 0 and not lines[caption_at].strip():
            caption_at -= 1
        caption = lines[caption_at].strip().rstrip(":") if caption_at >= 0 else "Tabela"
        block = [f"## {caption}", ""]
        for row in table.rows:
            heading, cells = postulates.table_row_text(row, table.captions)
            if row.carried_over and block:
                block[-1:-1] = [line.split(": ", 1)[-1] for line in cells]
                continue
            block += [f"### {heading or 'Wiersz bez numeru'}", *cells, ""]
        lines[caption_at : table.end_line + 1] = block
        records = postulates.from_table(table, host, fix, page.number) + records
    return "\n".join(lines), records


def chunk_stats(passages: list[Passage]) -> dict[str, int]:
    """Sizes of the passages in the embedding model's tokens (as embedded, with their context
    line): min, median and max, and how many exceed the model's 512-token limit."""
    sizes = [repair.token_count(p.embedding_text()) for p in passages if p.kind == "passage"]
    if not sizes:
        return {"chunks": 0, "min": 0, "median": 0, "max": 0, "over_limit": 0}
    return {
        "chunks": len(sizes),
        "min": min(sizes),
        "median": int(statistics.median(sizes)),
        "max": max(sizes),
        "over_limit": sum(size > MODEL_TOKEN_LIMIT for size in sizes),
    }


# multilingual-e5-small reads 512 tokens, the "passage: " prompt and two special tokens included.
MODEL_TOKEN_LIMIT = 512 - 6

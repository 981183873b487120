"""Split a document into passages along its own structure: headings, list items, paragraphs.

Passages stay within one section and one page, carry their heading path, and are kept
short enough for the embedding model (long paragraphs are cut between sentences).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.documents.loaders import Page
from indexer.text import analyzer

TARGET_CHARS = 700
MAX_CHARS = 1100
MIN_CHARS = 160

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*(?:[•▪●◦·\-–—*\uf0b7\ufffd]|\d{1,2}[.)](?!\d)|[a-z][)])\s+")
# "1. MOPS – p. dyr. Józefa Grodecka:" / "2. Wydział Mieszkalnictwa – p. Rafał Wojtasik …"
_SECTION = re.compile(r"^\s*\d{1,2}\.\s+[A-ZĄĆĘŁŃÓŚŹŻ].{2,100}?(?::\s*$|\s[–—]\s)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»)]?\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ0-9„\"(\-–•])")
_ABBREVIATIONS = ("np.", "tj.", "m.in.", "ul.", "r.", "p.", "dyr.", "godz.", "ds.", "nr", "ok.", "tzw.", "br.", "art.", "ust.", "pkt.", "in.", "wg.")


@dataclass
class Block:
    """One structural unit of text: a heading, a list item or a paragraph."""

    kind: str  # "heading" | "item" | "para"
    text: str
    level: float = 0


@dataclass
class Chunk:
    """A passage ready to embed, with where it came from."""

    text: str
    page: int | None
    heading_path: tuple[str, ...] = field(default_factory=tuple)
    lead: str = ""  # the sentence that introduces this passage's list, when a previous passage ends with it


def _strip_md(text: str) -> str:
    return re.sub(r"\*\*|__", "", text).strip()


def _is_upper_heading(line: str) -> bool:
    letters = [ch for ch in line if ch.isalpha()]
    return (
        len(letters) >= 8
        and len(line) <= 160
        and sum(ch.isupper() for ch in letters) / len(letters) > 0.85
    )


def blocks(text: str) -> list[Block]:
    """Structural blocks of one page of text, in order."""
    out: list[Block] = []
    current: Block | None = None

    def flush() -> None:
        nonlocal current
        if current and current.text.strip():
            current.text = re.sub(r"[ \t]+", " ", current.text).strip()
            out.append(current)
        current = None

    gap = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            # A blank line ends a paragraph; list items may continue after it (PDF layouts),
            # in lower case ("aż 10 na 11 …"); a capital after the gap starts a new paragraph.
            if current and current.kind == "para":
                flush()
            gap = True
            continue
        if gap and current is not None and current.kind == "item" and _opens_sentence(line) and not _BULLET.match(line):
            flush()
        gap = False
        heading = _MD_HEADING.match(line)
        bold_only = re.fullmatch(r"\*\*(.{3,160}?)\*\*", line)
        if heading:
            flush()
            out.append(Block("heading", _strip_md(heading.group(2)), len(heading.group(1))))
            continue
        if bold_only and len(line) < 120:
            flush()
            out.append(Block("heading", _strip_md(bold_only.group(1)), 3))
            continue
        if _is_upper_heading(line) and not _BULLET.match(line):
            if out and out[-1].kind == "heading" and out[-1].level == 1 and current is None:
                out[-1].text += " " + line  # a heading broken over several lines
            else:
                flush()
                out.append(Block("heading", line, 1))
            continue
        if _SECTION.match(line) and not _states_something(line):
            flush()
            out.append(Block("heading", line.rstrip(":").strip(), 2))
            continue
        last = out[-1] if out else None
        if (
            current is None
            and last is not None
            and last.kind == "heading"
            and last.level == 2
            and not last.text.endswith(":")
            and len(line) < 60
            and not _BULLET.match(line)
            and not re.fullmatch(r"[\d\s.\-/]+", line)  # a date under a title is not part of it
        ):
            last.text = f"{last.text} {line.rstrip(':').strip()}"  # heading wrapped onto a 2nd line
            continue
        if (
            line.startswith(("- ", "– "))
            and current is not None
            and current.kind == "item"
            and current.text.rstrip()[-1:] not in ".;:!?"
        ):
            current.text = f"{current.text} {line}"  # a dash continuing the item's sentence
            continue
        if _BULLET.match(line):
            flush()
            current = Block("item", line)
            continue
        if current is None:
            current = Block("para", line)
        elif current.kind == "item" and (line[:1].isupper() and current.text.rstrip()[-1:] in ".!?;"):
            flush()
            current = Block("para", line)
        else:
            current.text = _join_lines(current.text, line)
    flush()
    return _promote_lead_lines(out)


def _states_something(line: str) -> bool:
    """A numbered line with a verb ("1. Współpraca … realizowana jest poprzez:", "2. Z kwoty …
    planuje się przeznaczyć:") is a sentence introducing a list, not a section heading like
    "1. MOPS – p. dyr. Józefa Grodecka:" (who speaks)."""
    return any(analyzer.is_verb(word) for word in analyzer.words(line))


def _opens_sentence(line: str) -> bool:
    """A capitalised function word ("Jak wyniknęło …", "W drugiej części …") starts a new
    sentence; a capitalised noun ("Pełnomocnika z organizacjami …") may continue an item."""
    from indexer.text.dictionary import readings

    first = line.split()[0].strip("„\"(") if line.split() else ""
    if not first[:1].isupper():
        return False
    tags = {tag.split(":")[0] for _l, tag, _n in readings(first.lower())}
    return bool(tags & {"conj", "comp", "adv", "prep", "qub", "ppron3", "ppron12"})


def _promote_lead_lines(out: list[Block]) -> list[Block]:
    """A lone short line without final punctuation right before a numbered section heading
    ("Aktualna sytuacja współpracy … wg przedstawicieli UMK") is the heading of those sections."""
    for k in range(len(out) - 1):
        block, nxt = out[k], out[k + 1]
        if (
            block.kind == "para"
            and len(block.text) < 120
            and block.text[-1:] not in ".:;,!?"
            and nxt.kind == "heading"
            and nxt.level >= 2
        ):
            out[k] = Block("heading", block.text, 1.5)
    return out


def _join_lines(left: str, right: str) -> str:
    """Join two lines, undoing end-of-line hyphenation (``współ-\\npraca`` -> ``współpraca``)."""
    if re.search(r"[a-ząćęłńóśźż]-$", left) and right[:1].islower():
        return left[:-1] + right
    return left + " " + right


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage; abbreviations such as ``np.`` and ``ul.`` do not end one."""
    pieces = _SENTENCE_END.split(text.strip())
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].lower().endswith(_ABBREVIATIONS):
            sentences[-1] = sentences[-1] + " " + piece
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if s.strip()]


def _split_long(text: str, limit: int) -> list[str]:
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for sentence in split_sentences(text):
        while len(sentence) > limit:  # a run-on "sentence" (tables, lists without stops)
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if current and len(current) + 1 + len(sentence) > limit:
            parts.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}".strip()
    if current:
        parts.append(current)
    return parts


def chunk_pages(pages: list[Page], target: int = TARGET_CHARS, limit: int = MAX_CHARS) -> list[Chunk]:
    """Passages of a document: blocks merged up to ``target`` characters within a section."""
    chunks: list[Chunk] = []
    path: list[tuple[float, str]] = []

    def emit(buffer: list[str], page: Page) -> None:
        if buffer:
            heading_path = tuple(text for _, text in path)
            for piece in _split_long("\n".join(buffer), limit):
                chunks.append(Chunk(piece, page.number, heading_path))
            buffer.clear()

    for page in pages:
        buffer: list[str] = []
        for block in blocks(page.text):
            if block.kind == "heading":
                emit(buffer, page)
                path = [(lvl, t) for lvl, t in path if lvl < block.level] + [(block.level, block.text)]
                continue
            size = sum(len(b) + 1 for b in buffer)
            if buffer and size + len(block.text) > target and size >= MIN_CHARS:
                emit(buffer, page)
            buffer.append(block.text)
        emit(buffer, page)
    return _with_leads(_merge_tiny(chunks))


LEAD_CHARS = 300


def _with_leads(chunks: list[Chunk]) -> list[Chunk]:
    """Give a passage that continues a list its introduction: when the previous passage of the
    section ends with a colon ("… uczestniczyło 19 osób reprezentujących następujące
    organizacje:"), its last sentence is this passage's ``lead`` (embedded with it, not quoted),
    so that a list of bare names is still found by what it lists."""
    for prev, chunk in zip(chunks, chunks[1:]):
        tail = prev.text.rstrip()
        if tail.endswith(":") and prev.heading_path == chunk.heading_path:
            sentences = split_sentences(tail)
            lead = sentences[-1] if sentences else tail
            chunk.lead = lead[-LEAD_CHARS:]
    return chunks


def _merge_tiny(chunks: list[Chunk]) -> list[Chunk]:
    """Fold passages too short to stand alone into their neighbour of the same page and section."""
    merged: list[Chunk] = []
    for chunk in chunks:
        prev = merged[-1] if merged else None
        if (
            prev is not None
            and prev.page == chunk.page
            and prev.heading_path == chunk.heading_path
            and (len(chunk.text) < MIN_CHARS // 2 or len(prev.text) < MIN_CHARS // 2)
            and len(prev.text) + len(chunk.text) < MAX_CHARS
        ):
            prev.text = prev.text + "\n" + chunk.text
        else:
            merged.append(chunk)
    return merged

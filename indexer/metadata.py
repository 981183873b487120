"""Document metadata: the corpus manifest first, else what the file name and text reveal."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"

MONTHS = {
    "stycznia": 1, "lutego": 2, "marca": 3, "kwietnia": 4, "maja": 5, "czerwca": 6,
    "lipca": 7, "sierpnia": 8, "września": 9, "wrzesnia": 9, "października": 10,
    "pazdziernika": 10, "listopada": 11, "grudnia": 12,
}
_ISO = re.compile(r"\b((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_DOTTED = re.compile(r"\b(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.((?:19|20)\d\d)\b")
_WORDS = re.compile(
    r"\b(0?[1-9]|[12]\d|3[01])\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)\b", re.I
)

DOCUMENT_TYPES = ("minutes", "news", "report", "programme", "resolution", "document")
_TYPE_HINTS = (
    ("minutes", ("notatka", "protokół", "protokol", "podsumowanie", "spotkani")),
    ("report", ("sprawozdanie", "raport")),
    ("programme", ("program",)),
    ("resolution", ("uchwała", "uchwala", "zarządzenie", "zarzadzenie")),
)


@dataclass(frozen=True)
class ManifestEntry:
    """Metadata a curator recorded for one corpus file."""

    file: str
    title: str | None = None
    date: str | None = None
    type: str | None = None
    original_name: str | None = None


def read_manifest(folder: Path) -> dict[str, ManifestEntry]:
    """Entries of ``folder/manifest.json`` keyed by file name; empty when there is none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("%s: unreadable manifest, ignored (%s)", path, exc)
        return {}
    entries = {}
    for item in raw.get("documents", []):
        if isinstance(item, dict) and item.get("file"):
            known = {k: item.get(k) for k in ("file", "title", "date", "type", "original_name")}
            entries[item["file"]] = ManifestEntry(**known)
    return entries


def find_date(text: str) -> str | None:
    """The first date written in ``text`` (ISO, ``27.07.2011`` or ``24 czerwca 2025``), as ISO."""
    best: tuple[int, str] | None = None
    for pattern, order in ((_ISO, "ymd"), (_DOTTED, "dmy"), (_WORDS, "dmy")):
        match = pattern.search(text)
        if not match:
            continue
        a, b, c = match.groups()
        if order == "ymd":
            y, m, d = int(a), int(b), int(c)
        else:
            d, y = int(a), int(c)
            m = MONTHS[b.lower()] if not b.isdigit() else int(b)
        if best is None or match.start() < best[0]:
            best = (match.start(), f"{y:04d}-{m:02d}-{d:02d}")
    return best[1] if best else None


def title_from_filename(path: Path) -> str:
    """A readable title from a file name: ``2011-07-27_notatka-zespol`` -> ``Notatka zespol``."""
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[_\- ]*", "", path.stem)
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return (words[:1].upper() + words[1:]) if words else path.name


def guess_type(name: str, text: str) -> str:
    """Document type from words in the file name and the opening of the text."""
    haystack = (name + " " + text[:400]).lower()
    for doc_type, hints in _TYPE_HINTS:
        if any(h in haystack for h in hints):
            return doc_type
    return "document"

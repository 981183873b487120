"""Document metadata: the corpus manifest first, else what the file name and text reveal."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.text.language import (
    NAME_GLUE,
    UNIT_ACRONYMS,
    is_name_head,
    month_genitives,
    name_head,
)

logger = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"

MONTHS = month_genitives()
_ISO = re.compile(r"\b((?:19|20)\d\d)-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])\b")
_DOTTED = re.compile(r"\b(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.((?:19|20)\d\d)\b")
_WORDS = re.compile(
    r"\b(0?[1-9]|[12]\d|3[01])\s+(" + "|".join(MONTHS) + r")\s+((?:19|20)\d\d)\b", re.I
)

DOCUMENT_TYPES = (
    "minutes", "news", "report", "programme", "resolution", "competition", "announcement", "document",
)
# Word beginnings naming each type, in order of precedence ("Ogłoszenie otwartego konkursu
# ofert" is a competition notice, not a mere announcement).
_TYPE_HINTS = (
    ("minutes", ("notatk", "protokół", "protokoł", "protokol", "podsumowani", "spotkani")),
    ("report", ("sprawozdani", "raport")),
    ("programme", ("program",)),
    ("resolution", ("uchwał", "uchwal", "zarządzeni", "zarzadzeni")),
    ("competition", ("konkurs",)),
    ("announcement", ("ogłoszeni", "ogloszeni", "komunikat", "obwieszczeni")),
    ("news", ("aktualnoś", "aktualnosc", "wiadomoś", "wiadomosc")),
)
# What a saved web page is unless its title calls it something else.
WEB_PAGE_TYPE = "news"


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
            known: dict[str, Any] = {k: item.get(k) for k in ("file", "title", "date", "type", "original_name")}
            if known["date"] is not None:
                known["date"] = partial_date(known["date"])
                if known["date"] is None:
                    logger.warning(
                        "%s: %s: date %r is not YYYY, YYYY-MM or YYYY-MM-DD; guessed from the document instead",
                        path, item["file"], item.get("date"),
                    )
            entries[item["file"]] = ManifestEntry(**known)
    return entries


def find_date(text: str) -> str | None:
    """The first date written in ``text`` (ISO, ``27.07.2011`` or ``24 czerwca 2025``), as ISO.
    Not a document's date: :func:`indexer.documents.dating.date_of` chooses that."""
    found = dates_in(text)
    return found[0][2] if found else None


def dates_in(text: str) -> list[tuple[int, int, str]]:
    """Every full date written in ``text`` as (start, end, ISO date), in order of position."""
    found: list[tuple[int, int, str]] = []
    for pattern, order in ((_ISO, "ymd"), (_DOTTED, "dmy"), (_WORDS, "dmy")):
        for match in pattern.finditer(text):
            a, b, c = match.groups()
            if order == "ymd":
                y, m, d = int(a), int(b), int(c)
            else:
                d, y = int(a), int(c)
                m = MONTHS[b.lower()] if not b.isdigit() else int(b)
            found.append((match.start(), match.end(), f"{y:04d}-{m:02d}-{d:02d}"))
    return sorted(found)


def title_from_filename(path: Path) -> str:
    """A readable title from a file name: ``2011-07-27_notatka-zespol`` -> ``Notatka zespol``."""
    stem = re.sub(r"^\d{4}-\d{2}-\d{2}[_\- ]*", "", path.stem)
    words = re.sub(r"[_\-]+", " ", stem).strip()
    return (words[:1].upper() + words[1:]) if words else path.name


_TITLE_LINE_MAX = 160


def title_from_text(text: str) -> str | None:
    """The document's own title: its first line when it reads as one (a heading: short, not a
    sentence, not a date or place line), joined with the next when the first is an upper-case
    kind of document ("OGŁOSZENIE OTWARTEGO KONKURSU OFERT" / "„Aktywny senior w Krakowie”");
    ``None`` when the text opens with a sentence."""
    lines = [re.sub(r"^#+\s*|\*\*", "", line).strip() for line in text.splitlines()[:12]]
    lines = [line for line in lines if line]
    if not lines:
        return None
    first = lines[0]

    def title_like(line: str) -> bool:
        words = line.split()
        return (
            len(words) >= 2 and len(line) <= _TITLE_LINE_MAX and not line.endswith((".", ",", ";"))
            and not re.match(r"(kraków|krakow),?\s+(dnia\s+)?\d", line, re.I)
            and not re.search(r"https?://|www\.|\s[-|›»]\s.*\s[-|›»]\s", line)
        )

    if not title_like(first) and not (first.isupper() and len(first) <= _TITLE_LINE_MAX):
        return None
    if first.isupper() and len(lines) > 1 and len(lines[1]) <= 120 and not lines[1].endswith("."):
        return f"{first} {lines[1]}"
    return first if title_like(first) else None


def guess_type(name: str, text: str) -> str:
    """Document type from words in the file name and the opening of the text."""
    named = types_named(name + " " + text[:400])
    return named[0] if named else "document"


def type_of(title: str, title_source: str, name: str, text: str, web_page: bool) -> tuple[str, str]:
    """A document's type and where it was read from, for ``indexer status``: its title, then its
    file name, then the opening of its text. A saved web page is news unless its title starts
    with a type's word ("Ogłoszenie …", "Protokół …")."""
    if web_page:
        opening = types_named(" ".join(title.split()[:2]))
        if opening:
            return opening[0], f"from {title_source}"
        return WEB_PAGE_TYPE, "as a saved web page"
    for haystack, where in ((title, title_source), (Path(name).stem, "file name"), (text[:400], "the opening text")):
        named = types_named(haystack)
        if named:
            return named[0], f"from {where}"
    return "document", "(no type words in its title, file name or opening text)"


def types_named(text: str) -> tuple[str, ...]:
    """The document types whose words occur in ``text`` ("notatka", "sprawozdanie", "program"),
    in order of precedence: what a file calls itself, or which kind of document a question means."""
    haystack = text.lower()
    return tuple(doc_type for doc_type, hints in _TYPE_HINTS if any(h in haystack for h in hints))


# --------------------------------------------------------------------------------------
# Organisations and city units mentioned in a text
# --------------------------------------------------------------------------------------

def _is_head(word: str) -> bool:
    return is_name_head(word.strip(",.;:("))


def _name_tail(words: list[str], start: int, limit: int = 10) -> list[str]:
    """The capitalised words (and glue words between them) that follow a head noun."""
    out: list[str] = []
    i = start
    while i < len(words) and len(out) < limit:
        w = words[i]
        if w.lower() in {"ds.", "ds"} and i + 1 < len(words):
            out.append("ds.")
            i += 1
            continue
        bare = w.strip(",.;:()\"„”")
        if not bare:
            break
        if bare[:1].isupper() or bare[:1].isdigit() or w.startswith(("\"", "„")):
            out.append(bare if not w.startswith(("\"", "„")) else w.rstrip(",.;:)"))
        elif bare in NAME_GLUE and i + 1 < len(words) and words[i + 1][:1].isupper() and not _is_head(words[i + 1]):
            out.append(bare)
        else:
            break
        if w.endswith((",", ".", ";", ":", ")")):
            break
        i += 1
    while out and out[-1] in NAME_GLUE:
        out.pop()
    return out


def organisations(text: str) -> list[str]:
    """Organisations and city units named in ``text`` (``Fundacja Zustricz``, ``Wydział
    Mieszkalnictwa``, ``MOPS`` …), head noun in the nominative, in order of first mention."""
    found: dict[str, None] = {}
    for line in text.splitlines():
        words = line.split()
        i = 0
        while i < len(words):
            matched = False
            head = name_head([w.strip(",.;:(") for w in words[i : i + 2]])
            if head is not None:
                kind, nominative, n = head
                ends = words[i + n - 1].endswith((",", ".", ";", ":"))
                tail = [] if ends else _name_tail(words, i + n)
                # "Małopolskie Stowarzyszenie Probacja": a capitalised adjective before the head
                before = words[i - 1].strip(",.;:(") if i > 0 else ""
                prefix = [before] if kind == "org" and before[:1].isupper() and before.endswith(("skie", "ckie", "ne", "we")) else []
                if tail:
                    name = " ".join(prefix + [nominative] + tail)
                    found.setdefault(name.replace(" ,", ","), None)
                    i += n + len(tail)
                    matched = True
            if not matched:
                bare = words[i].strip(",.;:()")
                if bare in UNIT_ACRONYMS:
                    found.setdefault(bare, None)
                i += 1
    return list(found)


_PARTIAL = re.compile(r"^((?:19|20)\d\d)(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")


def partial_date(value: object) -> str | None:
    """``value`` as "YYYY", "YYYY-MM" or "YYYY-MM-DD" (a manifest may hold 2019 as a number);
    ``None`` when it is none of these."""
    text = str(value).strip() if value is not None else ""
    match = _PARTIAL.match(text)
    if not match:
        return None
    year, month, day = match.groups()
    if day:
        import calendar

        if int(day) > calendar.monthrange(int(year), int(month))[1]:
            return None
    return text

"""Postulate records: who proposed what, and what the city answered.

Three shapes found in city documents, one extractor each:

* a table of postulates (organisation | proposal | the department's position), rebuilt from
  interleaved OCR by :mod:`indexer.documents.tables`;
* notes by department: sections ``2. Wydział Mieszkalnictwa – p. …`` with bullet points, some
  of which are postulates (``Postulat szkolenia …``, ``… -> postulat, by …``);
* news prose: a paragraph that reports a postulate (``Organizacje postulowały …``) followed by
  the city's declaration (``… zadeklarowali …``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from indexer.documents.tables import Table, TableRow
from indexer.text.chunking import split_sentences

KIND = "postulate"

_POSTULATE_CUE = re.compile(
    r"\b(postulow\w*|postulat\w*|pytał\w* o|pytali o|wnioskował\w*|poruszono|dyskutowano|"
    r"(?:był[aoy]?|jest) kwesti\w+|apelował\w*|proponował\w*|zwrócił\w* uwagę)",
    re.I,
)
_DECLARATION_CUE = re.compile(
    r"\b(zadeklarow\w*|zapowiedzi\w*|zapowiedzia\w*|potwierdzi\w*|zobowiąza\w*|obieca\w*|zapewni\w*)",
    re.I,
)
# "2. Wydział Mieszkalnictwa – p. Rafał Wojtasik …": a numbered section naming a unit and who spoke
_SECTION = re.compile(r"^\s*\d{1,2}\.\s+(?P<unit>[^–—:]+?)\s+[–—-]\s+(?P<who>p\.\s.*?):?\s*$")


@dataclass
class PostulateRecord:
    """One postulate with its answer, and where it was written down."""

    postulate: str
    organisation: str | None = None
    response: str | None = None
    unit: str | None = None
    location: str = ""
    page: int | None = None
    source_shape: str = ""  # "table" | "notes" | "prose"
    original_text: str = ""
    row: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def render(self) -> str:
        """The record as searchable text (Polish labels)."""
        who = f" ({self.organisation})" if self.organisation else ""
        lines = [f"Postulat{who}: {self.postulate}" if self.postulate else f"Temat{who}: (nie zapisano postulatu)"]
        if self.response:
            unit = f" ({self.unit})" if self.unit else ""
            lines.append(f"Odpowiedź{unit}: {self.response}")
        elif self.unit:
            lines.append(f"Jednostka: {self.unit}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------


def from_table(table: Table, host_unit: str | None, repair_cell, page: int | None = None) -> list[PostulateRecord]:
    """Records of a rebuilt postulate table; a row carried over a page break joins its row."""
    records: list[PostulateRecord] = []
    for row in table.rows:
        org, post, resp = (row.cells + ["", "", ""])[:3] if len(row.cells) >= 3 else ["", *row.cells]
        if row.carried_over and records:
            prev = records[-1]
            if post:
                prev.postulate = f"{prev.postulate} {repair_cell(post)}".strip()
            if resp:
                prev.response = f"{prev.response or ''} {repair_cell(resp)}".strip()
            prev.original_text += "\n" + _original(row)
            prev.extra["lines"][1] = row.lines[1]
            continue
        if not post and not resp:
            continue
        n = len(records) + 1
        records.append(
            PostulateRecord(
                postulate=repair_cell(post),
                organisation=repair_cell(org) or None,
                response=repair_cell(resp) or None,
                unit=host_unit,
                location=f"tabela postulatów, wiersz {row.number}" if row.number else f"tabela postulatów, wiersz {n} (bez numeru)",
                page=page,
                source_shape="table",
                original_text=_original(row),
                row=row.number,
                extra={"lines": [row.lines[0], row.lines[1]]},
            )
        )
    return records


def _original(row: TableRow) -> str:
    return " | ".join(cell for cell in row.cells if cell)


def table_row_text(row: TableRow, captions: list[str]) -> tuple[str, list[str]]:
    """A row as a heading and labelled lines, for the passage that stands for it."""
    labels = [" ".join(c.split()[:3]) for c in captions] + ["", "", ""]
    org, post, resp = (row.cells + ["", "", ""])[:3]
    heading = f"{row.number}. {org}".strip() if row.number else (org or "")
    lines = []
    if post:
        lines.append(f"{labels[1] or 'Propozycja'}: {post}")
    if resp:
        lines.append(f"{labels[2] or 'Stanowisko'}: {resp}")
    return heading, lines


# --------------------------------------------------------------------------------------
# Notes by department
# --------------------------------------------------------------------------------------


def from_notes(text: str, page: int | None = None) -> list[PostulateRecord]:
    """Bullet points that state a postulate, under the section of the unit that spoke."""
    records: list[PostulateRecord] = []
    unit: str | None = None
    heading = ""
    for item in _items(text):
        section = _SECTION.match(item) if not item.startswith("•") else None
        if section and len(item) < 160:
            unit = section.group("unit").strip()
            heading = item.rstrip(":").strip()
            continue
        body = item.lstrip("•").strip()
        match = re.search(r"\bpostulat\w*", body, re.I)
        if not match or unit is None:
            continue
        postulate, response = body, None
        if match.start() == 0:
            # "Postulat X - Y (reakcja na …)": the unit's answer follows the dash
            parts = re.split(r"\s+[-–—]\s+", body, maxsplit=1)
            if len(parts) == 2 and "reakcja" in parts[1].lower():
                postulate, response = parts[0], parts[1]
        records.append(
            PostulateRecord(
                postulate=postulate,
                response=response,
                unit=unit,
                location=heading,
                page=page,
                source_shape="notes",
                original_text=body,
            )
        )
    return records


def _items(text: str) -> list[str]:
    """Bullet items and section lines of a text, each joined into one line."""
    items: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            continue
        if line.startswith(("•", "#")) or _SECTION.match(line):
            items.append(line)
        elif items and items[-1].startswith("•"):
            items[-1] = _join(items[-1], line)
        else:
            items.append(line)
    return items


def _join(left: str, right: str) -> str:
    if re.search(r"[a-ząćęłńóśźż]-$", left) and right[:1].islower():
        return left[:-1] + right
    return f"{left} {right}"


# --------------------------------------------------------------------------------------
# News prose
# --------------------------------------------------------------------------------------


def from_prose(text: str, page: int | None = None) -> list[PostulateRecord]:
    """Paragraphs opening with a reported postulate or a declaration of the city."""
    records: list[PostulateRecord] = []
    for n, para in enumerate(p.strip() for p in re.split(r"\n\s*\n", text)):
        if not para or para.startswith(("•", "#")) or len(para) < 40:
            continue
        para = " ".join(para.split())
        sentences = split_sentences(para)
        first = sentences[0]
        if _POSTULATE_CUE.search(first):
            asked = [s for s in sentences if not _DECLARATION_CUE.search(s)]
            answered = [s for s in sentences if _DECLARATION_CUE.search(s)]
            postulate, response = " ".join(asked), " ".join(answered) or None
        elif _DECLARATION_CUE.search(first):
            postulate, response = "", para
        else:
            continue
        records.append(
            PostulateRecord(
                postulate=postulate,
                response=response,
                unit=_unit_of(response) if response else None,
                location=f"akapit {n + 1}",
                page=page,
                source_shape="prose",
                original_text=para,
            )
        )
    return records


def _unit_of(sentence: str) -> str | None:
    from indexer.documents.metadata import organisations

    named = [o for o in organisations(sentence) if not o.startswith(("Fundacja", "Stowarzyszenie"))]
    if named:
        return "; ".join(named)
    if re.search(r"\b(Miasto|miasta|Prezydent|Urząd)\b", sentence):
        return "Urząd Miasta Krakowa"
    return None


def host_unit(title: str) -> str | None:
    """The department a meeting was held at, from a title such as ``… w Wydziale Polityki
    Społecznej, Równości i Zdrowia Urzędu Miasta Krakowa``: it answers the postulates."""
    match = re.search(r"\bw (Wydziale|Biurze|Referacie) (.+?)(?: Urzędu\b| UMK\b|$)", title)
    if not match:
        return None
    head = {"Wydziale": "Wydział", "Biurze": "Biuro", "Referacie": "Referat"}[match.group(1)]
    return f"{head} {match.group(2).strip(' ,.')}"

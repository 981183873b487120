"""A document's own date when the manifest gives none: candidates of several kinds, weighed.

Polish NGO documents cite acts early ("na podstawie ustawy z dnia 24 kwietnia 2003 r."), so
the first date of a text is often not the document's. Each date written in the opening of
the text becomes a candidate of one kind — a publication line ("Data publikacji:
12.03.2015"), the document's own act heading at the very top ("Uchwała Nr XII/123/24 Rady
Miasta Krakowa z dnia 10 stycznia 2024 r."), a place-and-date line ("Kraków, dnia 14 marca
2024 r."), a dated heading ("Protokół z posiedzenia … z dnia …"), a meeting date ("w dniu …
odbyło się") or any other date — and dates that follow a cited act ("ustawy z dnia …",
"zarządzenia Nr … z dnia …" inside a sentence) are never candidates. The year in the title
is the last resort. Dates are "YYYY", "YYYY-MM" or "YYYY-MM-DD" (:func:`partial_date`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from indexer.documents.metadata import dates_in
from indexer.text.analyzer import lemmas, words
from indexer.text.language import BYLINE_LEMMAS, CITED_ACT_LEMMAS, MEETING_LEMMAS, PUBLICATION_LEMMAS

# Abbreviations whose dot does not end a sentence ("z 2003 r. Nr 96", "art. 5 ust. 1").
_ABBREVIATIONS = frozenset({"r", "nr", "ust", "art", "poz", "pkt", "dz", "u", "dn", "tj", "zm", "im", "ul", "pl", "św", "m", "st"})
# "Kraków, dnia" / "Warszawa, dn." right before a date, alone on its line.
_PLACE_DATE = re.compile(r"(?:^|\n)[ \t]*[A-ZĄĆĘŁŃÓŚŹŻ][\w\-]+(?:[ \t]+[A-ZĄĆĘŁŃÓŚŹŻ][\w\-]+)?,?[ \t]*(?:dnia|dn\.)?[ \t]*$")
_YEAR = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)(?![\d/-])")
_FILE_DATE = re.compile(r"^((?:19|20)\d\d)(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?(?=[_\- .]|$)")

# How much each kind of candidate counts; ties go to the earlier one.
WEIGHTS = {
    "publication": 6, "own_act": 6, "page_metadata": 5.5, "file_name": 5.5, "place_date": 5,
    "dated_heading": 4, "meeting": 3, "title_year": 2, "text": 1,
}
# What ``indexer status`` says a guessed date came from.
EVIDENCE = {
    "publication": "'Data publikacji' / byline line",
    "own_act": "the document's own act heading",
    "page_metadata": "the page's publication metadata",
    "file_name": "file name",
    "place_date": "'<place>, dnia …' line",
    "dated_heading": "dated heading",
    "meeting": "meeting date ('w dniu … odbyło się')",
    "title_year": "year in the title",
    "text": "first date in the text that no cited act owns",
}
HEAD_LINES = 6  # the opening lines where a heading's date is the document's
SCAN_CHARS = 6000  # how much of the text candidates are read from


@dataclass(frozen=True)
class DateGuess:
    """A date chosen for a document and why (``kind`` is a key of :data:`EVIDENCE`)."""

    date: str | None
    kind: str
    evidence: str




def date_of(text: str, title: str = "", path: Path | None = None, extra: tuple[DateGuess, ...] = ()) -> DateGuess:
    """The document's own date among the candidates of ``text``, its file name and title."""
    candidates: list[tuple[float, int, DateGuess]] = [(WEIGHTS[g.kind], -2, g) for g in extra if g.date]
    if path is not None and (match := _FILE_DATE.match(path.stem)):
        date = "-".join(part for part in match.groups() if part)
        candidates.append((WEIGHTS["file_name"], -1, _guess(date, "file_name")))
    head = text[:SCAN_CHARS]
    head_end = _head_end(head)
    cited = 0
    for start, end, date in dates_in(head):
        kind = _kind(head, start, end, head_end)
        if kind is None:
            cited += 1
            continue
        candidates.append((WEIGHTS[kind], start, _guess(date, kind)))
    years = sorted(set(_YEAR.findall(title or "")))
    if len(years) == 1:
        candidates.append((WEIGHTS["title_year"], SCAN_CHARS, _guess(years[0], "title_year")))
    if not candidates:
        why = "only dates of cited acts" if cited else "no date in the text, file name or title"
        return DateGuess(None, "none", why)
    _, _, best = max(candidates, key=lambda c: (c[0], -c[1]))
    if best.kind == "title_year" and cited:
        return DateGuess(best.date, best.kind, best.evidence + " (the text's dates are of cited acts)")
    return best


def _guess(date: str, kind: str) -> DateGuess:
    return DateGuess(date, kind, EVIDENCE[kind])


def _head_end(text: str) -> int:
    """Where the opening lines (:data:`HEAD_LINES` non-empty ones) end."""
    for n, match in enumerate(re.finditer(r"[^\n]*\S[^\n]*", text), start=1):
        if n == HEAD_LINES:
            return match.end()
    return len(text)


def _kind(text: str, start: int, end: int, head_end: int) -> str | None:
    """What the date at ``text[start:end]`` is; ``None`` when it is a cited act's."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    before = _clause_before(text, start)
    act = _act_word(before)
    if act is not None:
        at = start - len(before) + act[0]
        # the document's own heading: a capitalised act word opening one of the first lines
        if at < head_end and act[1][:1].isupper() and _line_opens(text, at):
            return "own_act"
        return None
    pre = text[line_start:start]
    if len(words(pre)) <= 6 and _lemmas_in(pre) & PUBLICATION_LEMMAS:
        return "publication"
    if len(line) <= 100 and _lemmas_in(line) & BYLINE_LEMMAS:
        return "publication"
    if len(line) <= 80 and _PLACE_DATE.search(pre):
        return "place_date"
    sentence = before + text[start : _clause_end(text, end)]
    if _lemmas_in(sentence) & MEETING_LEMMAS:
        return "meeting"
    if start < head_end:
        return "dated_heading"
    return "text"


def _line_opens(text: str, at: int) -> bool:
    """Whether only spaces precede position ``at`` on its line."""
    line_start = text.rfind("\n", 0, at) + 1
    return not text[line_start:at].strip()


def _clause_before(text: str, start: int, limit: int = 160) -> str:
    """The text of the date's sentence before it (at most ``limit`` characters; a blank line
    or a sentence end stops it)."""
    window = text[max(0, start - limit) : start]
    cut = 0
    for match in re.finditer(r"\n[ \t]*\n|[.!?;](?=\s+[A-ZĄĆĘŁŃÓŚŹŻ])", window):
        if match.group().startswith("\n"):
            cut = match.end()
            continue
        word = re.search(r"(\w+)$", window[: match.start()])
        if word and word.group(1).lower() in _ABBREVIATIONS:
            continue
        cut = match.end()
    return window[cut:]


def _clause_end(text: str, end: int, limit: int = 160) -> int:
    window = text[end : end + limit]
    match = re.search(r"\n[ \t]*\n|[.!?;](?=\s+[A-ZĄĆĘŁŃÓŚŹŻ])", window)
    return end + (match.start() if match else len(window))


def _act_word(before: str, reach: int = 12) -> tuple[int, str] | None:
    """The last word of a cited act among the last ``reach`` words before the date, with its
    position in ``before``."""
    found = list(re.finditer(r"[^\W\d_]+", before))[-reach:]
    for match in reversed(found):
        if set(lemmas(match.group())) & CITED_ACT_LEMMAS:
            return match.start(), match.group()
    return None


def _lemmas_in(text: str) -> set[str]:
    return {lemma for word in words(text) for lemma in (lemmas(word) or (word.lower(),))}

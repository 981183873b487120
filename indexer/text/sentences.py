"""Sentence spans of a passage: the units an answer quotes and the index embeds one by one.

The indexer stores one vector per sentence (the passage's ``sentences`` multivector) and the
answerer quotes the same spans, so both must cut a passage the same way: here, once.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[.!?…;])[\"”»)]?\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ0-9„\"(•\-–])|\n+")
_ABBREV_END = re.compile(
    r"(?:\b(?:np|tj|tzn|m\.in|ul|al|os|r|p|dyr|godz|ds|nr|ok|tzw|br|art|ust|pkt|wg|im|św|pn|ww|zob|tel|prof|dr|mgr|inż|hab|sp|p\.o)\.)$",
    re.I,
)
_LEAD = re.compile(r"^[\s•\-–—*�]+")
MIN_SENTENCE = 12  # shorter pieces ("1)", "Tak.") answer nothing on their own


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences and list items of ``text``; never cuts after ``np.``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.start()]
        if match.group(0).strip() == "" and "\n" not in match.group(0) and _ABBREV_END.search(piece):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        lead = _LEAD.match(text[s:e])
        s += lead.end() if lead else 0
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= MIN_SENTENCE:
            out.append((s, e))
    return out

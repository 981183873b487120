"""Untrusted document text as safe Markdown: escaped literally, quotes highlighted in bold.

Streamlit renders Markdown; document text must never become links, HTML, headings or formatting,
so every Markdown-special character is backslash-escaped and only our own ``**`` markers remain.
"""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$&=:^\"])")
_BULLET = re.compile(r"^\s*(?:[-•*–]|\d+[.)])\s+")


# GFM turns bare www., http(s):// and e-mail addresses into links even when their dots are
# escaped; an invisible word joiner (U+2060) inside the marker keeps them plain text.
_AUTOLINK = re.compile(r"(?i)(?<=www)(?=\.)|(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=@)(?=[\w-])")
WORD_JOINER = "\u2060"


def escape_md(text: str) -> str:
    """Show untrusted text literally in Markdown (no links, HTML, formatting or emphasis)."""
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(WORD_JOINER, text))


def escape_block(text: str) -> str:
    """Escape multi-line text keeping its line breaks (and no indented-code surprises)."""
    lines = [escape_md(line.strip()) for line in text.split("\n")]
    return "  \n".join(lines)


def _bold_lines(text: str) -> str:
    """``text`` in bold, line by line (Markdown emphasis cannot span a line break)."""
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        out.append(f"**{escape_md(stripped)}**" if stripped else "")
    return "  \n".join(out)


def highlight_quote(passage: str, quote: str) -> tuple[str, bool]:
    """Markdown of ``passage`` with ``quote`` in bold where it occurs; (markdown, found).

    Spaces around the bold run keep CommonMark's flanking rules satisfied whatever punctuation
    the quote starts or ends with, so the highlight always renders.
    """
    start = passage.find(quote) if quote.strip() else -1
    if start < 0:
        return escape_block(passage), False
    before, after = passage[:start], passage[start + len(quote) :]
    head = escape_block(before)
    tail = escape_block(after)
    if head and not head.endswith((" ", "\n")):
        head += " "
    if tail and not tail.startswith((" ", "\n")):
        tail = " " + tail
    return head + _bold_lines(quote) + tail, True


def answer_markdown(answer: str) -> str:
    """An answer's text as Markdown: bullets stay bullets, everything else literal."""
    lines = []
    for line in answer.split("\n"):
        bullet = _BULLET.match(line)
        if bullet and line[bullet.end() :].strip():
            lines.append("- " + escape_md(line[bullet.end() :].strip()))
        elif line.strip():
            lines.append(escape_md(line.strip()) + "  ")
        else:
            lines.append("")
    # A list needs blank lines around it, or a following line joins its last item.
    out: list[str] = []
    for line in lines:
        if out and out[-1] and line and line.startswith("- ") != out[-1].startswith("- "):
            out.append("")
        out.append(line)
    return "\n".join(out)

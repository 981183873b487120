"""Normalise extracted text before repair and chunking: Unicode forms, bullets, ligatures, spacing.

Deliberately conservative: it never changes a word's letters except for ligatures.
Font-map mojibake (``Ŝ``) and dictionary-guided OCR repair live in ``indexer/repair.py``.
"""

from __future__ import annotations

import re
import unicodedata

_CHAR_MAP = str.maketrans(
    {
        "\u00ad": "",  # soft hyphen
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb00": "ff",
        "\uf0b7": "•",
    }
)


def normalize(text: str) -> str:
    """NFC text with bullets made explicit and ligatures split."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_CHAR_MAP)
    # A replacement character or a dash at the start of a line is a lost bullet glyph.
    text = re.sub(r"(?m)^([ \t]*)[\ufffd—][ \t]*", r"\1• ", text)
    return re.sub(r"[ \t]+\n", "\n", text)


_MD_IMAGE = re.compile(r"!\[([^\]\n]*)\]\([^)\n]*\)")
_MD_LINK = re.compile(r"\[([^\]\n]+)\]\(\s*([^)\s]*)[^)\n]*\)")
_MD_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S)
_MD_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")


def markdown_inline(text: str) -> str:
    """Markdown's inline markup turned into the text a reader sees: ``**Kraków**`` is
    "Kraków", ``[tutaj](#)`` is "tutaj", a link to elsewhere keeps its address in brackets.
    Headings (``#``) and list markers stay: chunking reads them as structure."""
    text = _MD_IMAGE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(_link_text, text)
    text = _MD_STRONG.sub(lambda m: m.group(2), text)
    return _MD_EMPHASIS.sub(lambda m: m.group(1), text)


def _link_text(match: re.Match[str]) -> str:
    label, url = match.group(1), match.group(2)
    bare = re.sub(r"^[a-z]+://", "", url).rstrip("/")
    if not url or url.startswith("#") or bare == label.rstrip("/"):
        return label
    return f"{label} ({url})"

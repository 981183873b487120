"""Normalise extracted text before chunking: Unicode forms, bullets, ligatures, spacing.

Deliberately conservative: it never changes a word's letters except for unambiguous
font-map and ligature artefacts. Dictionary-guided OCR repair lives in its own module.
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
        "\u0160": "Ś",
    }
)


def normalize(text: str) -> str:
    """NFC text with bullets made explicit, ligatures split and the ``Ŝ`` font-map slip fixed."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_CHAR_MAP)
    # Broken Windows font maps render "ż" as "Ŝ" (U+015C); no Polish word uses "Ŝ".
    text = re.sub(r"(?<=[a-ząćęłńóśźż])Ŝ|Ŝ(?=[a-ząćęłńóśźż])", "ż", text)
    text = text.replace("Ŝ", "Ż")
    # A replacement character at the start of a line is a lost bullet glyph.
    text = re.sub(r"(?m)^([ \t]*)\ufffd[ \t]*", r"\1• ", text)
    return re.sub(r"[ \t]+\n", "\n", text)

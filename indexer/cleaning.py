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

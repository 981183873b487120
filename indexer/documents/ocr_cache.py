"""A folder of OCR results keyed by page hash, so that a rebuild never reads a page twice.

One small JSON file per page (``<key[:2]>/<key>.json``), written atomically; an unreadable or
corrupt entry counts as missing and is simply read again.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

FORMAT = 1


@dataclass(frozen=True)
class OcrCache:
    """OCR text by page key (see :func:`indexer.documents.ocr.page_key`)."""

    folder: Path

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        """The cached text of a page, or ``None`` when absent or unreadable."""
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("ignoring a corrupt OCR cache entry %s (%s)", path, exc)
            return None
        if not isinstance(entry, dict) or entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        text = entry.get("text")
        return text if isinstance(text, str) else None

    def put(self, key: str, text: str) -> None:
        """Store a page's text; a cache that cannot be written only costs a later re-read."""
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"format": FORMAT, "key": key, "text": text}, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except OSError as exc:
            logger.warning("cannot write the OCR cache in %s (%s)", self.folder, exc)

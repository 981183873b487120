"""Adapters to the parts other modules provide (LLM answers, topics, precedents, eval report).

Each returns a plain value or ``None`` when its module is absent, so a tab can hide a feature
or explain why it is missing instead of failing.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from types import ModuleType
from typing import Any

from indexer.settings import Settings

logger = logging.getLogger(__name__)


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def llm_available(settings: Settings) -> bool:
    """Whether an LLM is configured for generated answers."""
    llm = _module("assistant.generation.llm")
    if llm is None:
        return False
    check = getattr(llm, "is_configured", None)
    return bool(check(settings)) if callable(check) else False


def topic_label(topic: str, lang: str = "pl") -> str:
    """A readable name for a topic tag (``lokale`` → ``Polityka lokalowa``)."""
    topics = _module("indexer.annotate.topics")
    found = getattr(topics, "BY_ID", {}).get(topic) if topics else None
    if found is not None:
        return str(found.label if lang == "pl" else getattr(found, "label_en", found.label))
    text = topic.replace("_", " ").replace("-", " ")
    return text[:1].upper() + text[1:]


def latest_report(out_dir: Path | None = None) -> tuple[str, list[Path]] | None:
    """The newest evaluation report (Markdown and plot paths), or None without the report module."""
    report = _module("eval.report")
    fn = getattr(report, "latest_report", None) if report else None
    if not callable(fn):
        return None
    found = fn(out_dir) if out_dir is not None else fn()
    if not found:
        return "", []
    markdown, images = found
    return markdown or "", [Path(p) for p in images or []]


def default_report_dir() -> Path:
    """Where ``python -m eval`` writes its report by default."""
    report = _module("eval.report")
    return Path(getattr(report, "DEFAULT_OUT", Path("eval") / "out"))


def precedent_finder() -> Any | None:
    """``assistant.precedents.search`` when it exists."""
    return _module("assistant.precedents.search")

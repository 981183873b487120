"""A saved web page as its article: trafilatura keeps the main content and drops the portal's
navigation, cookie notice, breadcrumbs, "related articles" and footer.

The page's title is its first heading (the ``<title>`` of a portal names the portal too) and
its date the page's own: the publication line or byline of the whole visible page (trafilatura
drops bylines from the article), else the page's publication metadata (``article:published_time``,
``<time>``), never a date its text cites (:mod:`indexer.documents.dating`). The result is plain
text with ``#`` headings, as from every loader: nothing of the page is ever rendered as HTML.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from indexer.documents import cleaning
from indexer.documents.dating import EVIDENCE, DateGuess, date_of
from indexer.documents.metadata import partial_date
from indexer.documents.visible import html_to_text, visible_html

logger = logging.getLogger(__name__)

# Fewer letters than this in what trafilatura keeps: the page is too small for it to tell
# content from chrome, and its whole visible text is indexed instead.
MIN_CONTENT_LETTERS = 40
NO_MAIN_CONTENT = "no main content found (page too small?): its whole visible text is indexed, menus included"


@dataclass
class WebPage:
    """What a saved page holds: its title, article text, own date and any warnings."""

    title: str | None
    text: str
    date: DateGuess | None
    warnings: list[str] = field(default_factory=list)


def read_page(html: str) -> WebPage:
    """The page's article text (``#`` headings), title from its heading and its own date."""
    import trafilatura
    from trafilatura.metadata import extract_metadata

    page_title, visible = html_to_text(html)
    _, soup = visible_html(html)
    shown = str(soup)  # trafilatura keeps hidden elements: it only ever sees what a reader does
    heading = re.search(r"^# (.+)$", visible, re.MULTILINE)
    markup_date: str | None = None
    meta_title: str | None = None
    try:
        meta = extract_metadata(html, extensive=False)  # markup only: never a date guessed from the text
        meta_title = meta.title
        markup_date = partial_date((meta.date or "")[:10])
    except Exception as exc:  # noqa: BLE001 - trafilatura fails in many ways on broken markup
        logger.info("no page metadata (%s: %s)", type(exc).__name__, exc)
    try:
        article = trafilatura.extract(
            shown, output_format="markdown", include_formatting=True, include_links=False,
            include_images=False, include_tables=True, include_comments=False, deduplicate=False,
            with_metadata=False,
        )
    except Exception as exc:  # noqa: BLE001 - as above: the visible text is the fallback
        logger.info("trafilatura failed (%s: %s)", type(exc).__name__, exc)
        article = None
    warnings: list[str] = []
    text = _with_headings(cleaning.markdown_inline(article or "").strip(), visible)
    if sum(ch.isalpha() for ch in text) < MIN_CONTENT_LETTERS:
        text = visible
        warnings.append(NO_MAIN_CONTENT)
    title = (heading.group(1).strip() if heading else None) or meta_title or page_title
    extra = (DateGuess(markup_date, "page_metadata", EVIDENCE["page_metadata"]),) if markup_date else ()
    date = date_of(visible, title or "", extra=extra)
    return WebPage(title, text, date if date.date else None, warnings)


def _with_headings(text: str, visible: str) -> str:
    """``text`` with the page's headings marked again where trafilatura's fallback extraction
    (on small pages) returned them as plain lines: chunking follows headings."""
    marks = {m.group(2).strip(): m.group(1) for m in re.finditer(r"^(#{1,6}) (.+)$", visible, re.MULTILINE)}
    if not marks or re.search(r"^#{1,6} ", text, re.MULTILINE):
        return text
    return "\n".join(f"{marks[line.strip()]} {line.strip()}" if line.strip() in marks else line for line in text.split("\n"))

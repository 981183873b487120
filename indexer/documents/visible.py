"""The text a browser shows of an HTML page: scripts, styles, hidden elements and unterminated
comments dropped, headings and list items kept as Markdown marks."""

from __future__ import annotations

import re
from typing import Any

_BLOCK_TAGS = {
    "p", "div", "section", "article", "br", "tr", "table", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "main", "blockquote", "pre",
}


def visible_html(html: str) -> tuple[str | None, Any]:
    """The page's ``<title>`` and its parsed body without what a browser does not show
    (scripts, styles, hidden elements, an unterminated comment)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(_close_comments(html), "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for tag in soup(["script", "style", "noscript", "template", "head", "svg", "iframe"]):
        tag.decompose()
    for tag in soup.find_all(style=re.compile(r"display\s*:\s*none", re.I)):
        tag.decompose()
    for tag in soup.find_all(hidden=True):
        tag.decompose()
    return title, soup


def html_to_text(html: str) -> tuple[str | None, str]:
    """Visible text of an HTML page, headings as Markdown ``#`` lines, list items as ``- ``."""
    title, soup = visible_html(html)
    for level in range(1, 7):
        for tag in soup.find_all(f"h{level}"):
            tag.insert_before("\n\n" + "#" * level + " ")
            tag.insert_after("\n\n")
    for tag in soup.find_all("li"):
        tag.insert_before("\n- ")
    for tag in soup.find_all(_BLOCK_TAGS):
        tag.insert_after("\n")
    text = soup.get_text()
    lines = [re.sub(r"[ \t\xa0]+", " ", line).strip() for line in text.splitlines()]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if not title:
        heading = re.search(r"^# (.+)$", body, re.M)
        title = heading.group(1).strip() if heading else None
    return title, body


def _close_comments(html: str) -> str:
    """Cut an unterminated ``<!--`` and all after it, as browsers hide it (html.parser would
    keep it, and the markup inside, as visible text)."""
    pos = 0
    while (start := html.find("<!--", pos)) != -1:
        end = html.find("-->", start + 4)
        if end == -1:
            return html[:start]
        pos = end + 3
    return html

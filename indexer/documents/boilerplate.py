"""Lines that text files copied from web pages share: the portal's menus, banners and footers.

A corpus-level pass of the build. A line (whitespace collapsed, case folded, list and heading
marks dropped) is the corpus's when it occurs in at least :func:`threshold` of the text files
(``.txt``, ``.md``): ``max(2, 20 %)`` of them — a portal's chrome repeats on every page copied
from it, while a sentence of content seldom repeats in one file in five. Such a line is removed
from a document only where chrome sits: in a run of two or more such lines (a menu, a footer)
or after the last line of the document's own (a copyright line), or before its first one
unless it is the very first line and alone (that is taken for the document's heading). A line
shared in the middle of the body, alone, stays; so does the document's own title, and nothing
is removed from a file that is the only one of its form.

Incremental builds: what a document loses depends on the other files, so the build puts the
removed line numbers into the document's key (:func:`indexer.fingerprint.document_key`): when an
added file makes a line the corpus's (or no longer), exactly the documents whose removed
lines change are chunked again; the others keep their points.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from indexer.documents.loaders import (
    TEXT_SUFFIXES,
    LoadError,
    Page,
    RawDocument,
    content_hash,
    parse,
    read_bytes,
)

SHARE = 0.2
MIN_DOCUMENTS = 2
_MARKS = " \t#*-•>|"


def line_key(line: str) -> str:
    """A line as compared across documents: ``"- Strona  Główna"`` -> ``"strona główna"``."""
    return " ".join(line.split()).strip(_MARKS).casefold()


def threshold(documents: int) -> int:
    """In how many of ``documents`` text files a line must occur to be the corpus's."""
    return max(MIN_DOCUMENTS, math.ceil(SHARE * documents))


def _countable(key: str) -> bool:
    return sum(ch.isalpha() for ch in key) >= 2


@dataclass
class CorpusLines:
    """The text files' line keys, and which keys are the corpus's."""

    lines: dict[Path, list[str]] = field(default_factory=dict)
    headings: dict[Path, str] = field(default_factory=dict)  # each file's first "#" heading
    repeated: frozenset[str] = frozenset()

    @classmethod
    def scan(cls, paths: Iterable[Path], max_bytes: int) -> CorpusLines:
        """Read the text files among ``paths`` (each content once) and find their shared lines."""
        found = cls()
        seen: set[str] = set()
        counts: Counter[str] = Counter()
        for path in paths:
            if path.suffix.lower() not in TEXT_SUFFIXES:
                continue
            try:
                data = read_bytes(path, max_bytes)
                digest = content_hash(data)
                if digest in seen:
                    continue
                raw = parse(path, data, digest)
            except LoadError:
                continue  # the build reports it when it reads the file
            seen.add(digest)
            keys = [line_key(line) for line in raw.text.split("\n")]
            found.lines[path] = keys
            heading = re.search(r"^#+ (.+)$", raw.text, re.MULTILINE)
            if heading:
                found.headings[path] = line_key(heading.group(1))
            counts.update({k for k in keys if _countable(k)})
        limit = threshold(len(found.lines))
        found.repeated = frozenset(k for k, n in counts.items() if n >= limit)
        return found

    def removed(self, path: Path, titles: Iterable[str | None]) -> tuple[int, ...]:
        """Numbers of the lines of ``path`` to drop (0-based, in ``raw.text``)."""
        keys = self.lines.get(path)
        if not keys or not self.repeated:
            return ()
        protected = {line_key(t) for t in titles if t} | ({self.headings[path]} if path in self.headings else set())
        return lines_to_remove(keys, self.repeated, protected)


def lines_to_remove(keys: list[str], repeated: frozenset[str], protected: set[str]) -> tuple[int, ...]:
    """Which of a document's lines (given as keys) are chrome: shared lines in a run of two or
    more, or before the first / after the last line of the document's own — except a first
    line standing alone, which is taken for the document's heading."""
    filled = [i for i, k in enumerate(keys) if k]
    shared = {i for i in filled if keys[i] in repeated and keys[i] not in protected}
    own = [i for i in filled if i not in shared]
    if not own:
        return ()  # a document made only of shared lines keeps them: nothing would be left
    out = []
    for n, i in enumerate(filled):
        if i not in shared:
            continue
        prev_shared = n > 0 and filled[n - 1] in shared
        next_shared = n + 1 < len(filled) and filled[n + 1] in shared
        if prev_shared or next_shared or (i < own[0] and n > 0) or i > own[-1]:
            out.append(i)
    return tuple(out)


def without_lines(raw: RawDocument, numbers: tuple[int, ...]) -> RawDocument:
    """``raw`` (a one-page text file) without the lines ``numbers``, blank runs closed up."""
    if not numbers:
        return raw
    drop = set(numbers)
    lines = [line for i, line in enumerate(raw.text.split("\n")) if i not in drop]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return replace(raw, pages=[Page(None, text)])

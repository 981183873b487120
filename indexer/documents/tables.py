"""Rebuild a table whose columns OCR interleaved line by line.

OCR of a three-column table (organisation | proposal | the department's position) reads each
printed line from left to right, so a text line holds a piece of every column that has text
at that height, sometimes separated by ``|``. Narrow cells are vertically centred in their
row, so a row's number sits in the middle of its lines. This routine uses only what the text
shows:

* the header (``L.p.`` and the column captions) marks the table and gives the column count;
* numbered lines (``3. …``) anchor rows; a row's lines are split around its anchor so that the
  anchor stays in the middle, preferring a split where the right column starts a new sentence;
* ``|`` separators split a line into column pieces; OCR noise (``. . | ``, ``. e . N L``) is dropped;
* the first column is recognised by the organisation names the document itself lists;
* a line piece without a separator is cut between the two right columns where the result
  reads best: each column must fit its measured width, start a cell with a capital letter,
  continue a sentence in lower case, not end on a preposition, and words that agree in case
  and number across a line break (``posiadanych`` / ``środków``) stay in one column;
* after the last numbered row, blocks of lines narrow enough for the proposal column start
  unnumbered rows; a page footer (a lone URL) breaks a row carried over to the next page.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from indexer.text import dictionary, repair
from indexer.text.analyzer import fold

_ANCHOR = re.compile(r"^\s*(\d{1,2})\.\s+(.*)$")
_HEADER = re.compile(r"^\s*L\.?\s?p\.?\s*$", re.I)
_FOOTER = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")
_PUNCT_TOKEN = re.compile(r"^[\W_]+$")


@dataclass
class TableRow:
    """One printed row: its number (if any) and the text of each column, as read."""

    number: int | None
    cells: list[str]
    lines: tuple[int, int]  # first and last line index (in the document's lines)
    carried_over: bool = False  # the part of a row that a page break pushed to the next page


@dataclass
class Table:
    """A rebuilt table: column captions and rows in reading order."""

    captions: list[str]
    rows: list[TableRow]
    start_line: int
    end_line: int


@dataclass
class _Line:
    index: int
    number: int | None
    pieces: list[list[str]]  # tokens of each |-separated piece, noise removed
    page_break_before: bool = False
    blank_before: bool = False
    noisy_start: bool = False  # OCR noise where the left columns would be
    assigned: list[list[str]] = field(default_factory=list)  # tokens per column

    @property
    def tokens(self) -> list[str]:
        return [t for piece in self.pieces for t in piece]

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


_fixed_cache: dict[tuple[int, str], str] = {}


def _fixed(word: str, vocabulary: Counter | None) -> str:
    """``word`` without punctuation, repaired as part of its document (cached)."""
    bare = word.strip(",.;:()\"„”!?")
    key = (id(vocabulary), bare)
    if key not in _fixed_cache:
        if len(_fixed_cache) > 50_000:
            _fixed_cache.clear()
            _joins_cache.clear()
        _fixed_cache[key] = repair.repair_word(bare, vocabulary=vocabulary) if bare else bare
    return _fixed_cache[key]


# --------------------------------------------------------------------------------------
# Finding the table and reading its lines
# --------------------------------------------------------------------------------------


def find_tables(text: str, names: list[str], vocabulary: Counter | None = None) -> list[Table]:
    """Interleaved tables in ``text`` (one per ``L.p.`` header), rebuilt row by row."""
    lines = text.split("\n")
    tables = []
    for i, line in enumerate(lines):
        if _HEADER.match(line):
            table = _read_table(lines, i, names, vocabulary)
            if table and table.rows:
                tables.append(table)
    return tables


def _clean_tokens(raw: str) -> list[str]:
    """Tokens of a line piece without OCR noise: stray punctuation, lone letters beside it,
    and a number left at the end of a line."""
    tokens = raw.split()
    noise = [False] * len(tokens)
    for k, tok in enumerate(tokens):
        if _PUNCT_TOKEN.match(tok):
            noise[k] = True
    for k, tok in enumerate(tokens):
        near_noise = (k > 0 and noise[k - 1]) or (k + 1 < len(tokens) and noise[k + 1])
        short_stray = len(tok.strip(".,:;)!")) <= 2 and tok not in {"i", "w", "z", "o", "a", "u"}
        vowel_before_noise = tok in {"o", "e"} and k + 1 < len(tokens) and noise[k + 1]
        if not noise[k] and near_noise and (short_stray or vowel_before_noise):
            noise[k] = True
    out = [t for t, n in zip(tokens, noise) if not n]
    if out and out[-1].isdigit():
        out.pop()
    return out


def _read_table(lines: list[str], header: int, names: list[str], vocabulary: Counter | None) -> Table | None:
    captions: list[str] = []
    i = header + 1
    body: list[_Line] = []
    while i < len(lines):
        line = lines[i].strip()
        if line and ("|" in line or _ANCHOR.match(line)):
            break
        if line:
            captions.append(line)
        i += 1
    start = i
    blank = False
    page_break = False
    for j in range(start, len(lines)):
        raw = lines[j].strip()
        if not raw:
            blank = True
            continue
        if _FOOTER.match(raw):
            page_break = True
            continue
        number = None
        anchor = _ANCHOR.match(raw)
        if anchor:
            number, raw = int(anchor.group(1)), anchor.group(2)
        pieces = [_clean_tokens(p) for p in raw.split("|")]
        first_raw = raw.split()[0] if raw.split() else ""
        noisy = bool(pieces and pieces[0] and first_raw != pieces[0][0]) or not (pieces and pieces[0])
        pieces = [p for p in pieces if p]
        if pieces:
            body.append(_Line(j, number, pieces, page_break, blank, noisy))
        blank = page_break = False
    if not body:
        return None
    width = max(len(p) for l in body for p in [" ".join(x) for x in l.pieces] if "|" in lines[l.index])
    columns = max(2, min(len(captions), max(len(l.pieces) for l in body) + (1 if any(l.number for l in body) else 0)))
    columns = max(columns, max(len(l.pieces) for l in body))
    rows = _rows(body, names, columns, vocabulary, width)
    return Table(captions[:columns], rows, header, body[-1].index)


# --------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------


def _starts_upper(tokens: list[str]) -> bool:
    first = tokens[0] if tokens else ""
    first = first.lstrip("\"„(,")
    return first[:1].isupper() or (first[:1].isdigit() and not (first == "1" and len(tokens) > 1 and tokens[1][:1].islower()))


def _split_rows(body: list[_Line]) -> list[list[_Line]]:
    """Group lines into rows: each numbered line in the middle of its row."""
    anchors = [k for k, line in enumerate(body) if line.number is not None]
    if not anchors:
        return [body]
    groups: list[list[_Line]] = []
    start = 0
    for a, b in zip(anchors, anchors[1:] + [None]):
        if b is None:
            groups.append(body[start:])
            break
        before = a - start
        best, best_score = a + 1, None
        for s in range(a + 1, b + 1):
            after_a, before_b = s - a - 1, b - s
            score = -float(abs(after_a - before))
            if s < len(body):
                score += 1.0 if _starts_upper(body[s].tokens) else 0.0
            if s - 1 >= 0 and body[s - 1].text.endswith("."):
                score += 1.5
            score -= 0.01 * before_b
            if best_score is None or score > best_score:
                best, best_score = s, score
        groups.append(body[start:best])
        start = best
    return groups


def _fits(tokens: list[str], width: int) -> bool:
    return len(" ".join(tokens)) <= width


def _tail_rows(group: list[_Line], post_width: int) -> list[list[_Line]]:
    """Split the last numbered row's lines where unnumbered rows begin: a block of lines that
    fits the proposal column and starts with a capital, after a finished sentence."""
    out: list[list[_Line]] = [[]]
    seen_anchor = False
    for k, line in enumerate(group):
        if line.number is not None:
            seen_anchor = True
        starts_block = line.blank_before or line.page_break_before
        prev_done = bool(out[-1]) and out[-1][-1].text.rstrip().endswith(".")
        if seen_anchor and line.number is None and starts_block and prev_done:
            block = [line]
            for nxt in group[k + 1 :]:
                if nxt.blank_before or nxt.page_break_before:
                    break
                block.append(nxt)
            narrow = all(_fits(b.tokens, post_width) for b in block)
            if narrow and _starts_upper(line.tokens):
                out.append([])
        elif seen_anchor and line.page_break_before and out[-1]:
            out.append([])
        out[-1].append(line)
    return [g for g in out if g]


def _rows(body: list[_Line], names: list[str], columns: int, vocabulary: Counter | None, width: int) -> list[TableRow]:
    groups = _split_rows(body)
    org_tokens = [[fold(t) for t in n.split()] for n in names]
    # first pass: organisation prefixes, to measure the proposal column's width
    for group in groups:
        _assign_first_column(group, org_tokens, vocabulary)
    post_width = _post_width(body) or width // 2
    resp_width = max((len(" ".join(l.pieces[-1])) for l in body if len(l.pieces) >= 2), default=width)
    if groups:
        last = groups.pop()
        groups.extend(_tail_rows(last, post_width))
    rows: list[TableRow] = []
    for group in groups:
        numbered = next((l.number for l in group if l.number is not None), None)
        carried = group[0].page_break_before and numbered is None and not _starts_upper(group[0].tokens)
        cells = _assign_right_columns(group, post_width, resp_width, columns, carried, vocabulary)
        rows.append(TableRow(numbered, cells, (group[0].index, group[-1].index), carried))
    return rows


def _similar(token: str, name_token: str, vocabulary: Counter | None) -> bool:
    a, b = fold(_fixed(token, vocabulary)), name_token.strip(",.;:\"„”")
    if not a or not b:
        return False
    if a == b:
        return True
    n = min(len(a), len(b), 4)
    return len(a) >= 3 and len(b) >= 3 and a[:n] == b[:n]


def _assign_first_column(group: list[_Line], org_tokens: list[list[str]], vocabulary: Counter | None) -> None:
    """Take the organisation name's words off the starts of the row's lines."""
    best: tuple[int, list[tuple[int, int]]] = (0, [])
    for name in org_tokens:
        pos, takes = 0, []
        for k, line in enumerate(group):
            first = line.pieces[0]
            n = 0
            while pos < len(name) and n < len(first) and _similar(first[n], name[pos], vocabulary):
                n += 1
                pos += 1
            if n:
                takes.append((k, n))
        matched = sum(n for _k, n in takes)
        if matched >= 2 and (pos == len(name) or matched >= 3) and matched > best[0]:
            best = (matched, takes)
    for line in group:
        line.assigned = [[] for _ in range(3)]
    for k, n in best[1]:
        line = group[k]
        line.assigned[0] = line.pieces[0][:n]
        line.pieces = [line.pieces[0][n:]] + line.pieces[1:]
        line.pieces = [p for p in line.pieces if p]


def _post_width(body: list[_Line]) -> int:
    widths = [len(" ".join(l.pieces[-2])) for l in body if len(l.pieces) >= 2]
    return max(widths) if widths else 0


# --------------------------------------------------------------------------------------
# Proposal | position: where to cut a line piece without a separator
# --------------------------------------------------------------------------------------

_CASES = {"nom", "gen", "dat", "acc", "inst", "loc", "voc"}
_NUMBERS = {"sg", "pl"}


def _features(word: str, vocabulary: Counter | None) -> tuple[str, frozenset[tuple[str, str]], frozenset[str]]:
    """(part of speech class, {(case, number)}, governed cases) of a word, after repair."""
    return _features_of(_fixed(word, vocabulary))


@lru_cache(maxsize=20_000)
def _features_of(fixed: str) -> tuple[str, frozenset[tuple[str, str]], frozenset[str]]:
    pos, agreement, governed = "", set(), set()
    for _lemma, tag, _names in dictionary.readings(fixed) or dictionary.readings(fixed.lower()):
        parts = tag.split(":")
        pos = pos or parts[0]
        if parts[0] == "prep":
            governed.add(parts[1])
            pos = "prep"
            continue
        if parts[0] in {"conj", "comp"}:
            pos = "conj"
        cases = [v for p in parts[1:] for v in p.split(".") if v in _CASES]
        numbers = [v for p in parts[1:] for v in p.split(".") if v in _NUMBERS]
        for c in cases:
            for n in numbers:
                agreement.add((c, n))
    return pos, frozenset(agreement), frozenset(governed)


def _adjectival(word: str, vocabulary: Counter | None) -> bool:
    bare = _fixed(word, vocabulary)
    return any(t.split(":")[0] in {"adj", "pact", "ppas"} for _l, t, _n in dictionary.readings(bare) or dictionary.readings(bare.lower()))


def _joins(left: str, right: str, vocabulary: Counter | None) -> bool:
    """Do two words read as one phrase across a line break (agreement or government)?"""
    key = (id(vocabulary), left, right)
    if key not in _joins_cache:
        _joins_cache[key] = _joins_uncached(left, right, vocabulary)
    return _joins_cache[key]


_joins_cache: dict[tuple[int, str, str], bool] = {}  # cleared when large (see _fixed)


def _joins_uncached(left: str, right: str, vocabulary: Counter | None) -> bool:
    if left.endswith((",", ".", ";", ":")) and not _adjectival(right, vocabulary):
        return False
    lpos, lagr, lgov = _features(left, vocabulary)
    rpos, ragr, _ = _features(right, vocabulary)
    if lpos == "prep":
        return any(c in lgov for c, _n in ragr)
    if not (_adjectival(left, vocabulary) or _adjectival(right, vocabulary)):
        return False
    return bool(lagr & ragr)


def _capitalised_name_run(column: list[str]) -> bool:
    """Does the column end in a capitalised word that is not a sentence start (a name)?"""
    if len(column) < 2:
        return False
    last, before = column[-1], column[-2]
    return last[:1].isupper() and not before.endswith((".", ":")) and last.isalpha()


def _ends_open(word: str, vocabulary: Counter | None) -> bool:
    pos, _agr, _gov = _features(word, vocabulary)
    return pos in {"prep", "conj"} and not word.endswith((",", "."))


def _assign_right_columns(
    group: list[_Line], post_width: int, resp_width: int, columns: int, carried: bool, vocabulary: Counter | None
) -> list[str]:
    """Cut each line's remaining pieces into proposal and position, the best-reading way."""
    options: list[list[tuple[list[str], list[str]]]] = []
    for line in group:
        if len(line.pieces) >= 2:
            post = [t for p in line.pieces[:-1] for t in p]
            options.append([(post, line.pieces[-1])])
        elif line.pieces:
            toks = line.pieces[0]
            opts = []
            for cut in range(len(toks) + 1):
                if cut and not _fits(toks[:cut], post_width + 1):
                    break
                opts.append((toks[:cut], toks[cut:]))
            options.append(opts)
        else:
            options.append([([], [])])
    # Beam search over the lines (the score is a sum over lines plus end-of-row terms).
    beam: list[tuple[float, tuple]] = [(0.0, ())]
    for _k, opts in enumerate(options):
        grown = []
        for _score_so_far, choice in beam:
            for opt in opts:
                new = choice + (opt,)
                grown.append((_score(new, group, carried, vocabulary, post_width, resp_width, final=False), new))
        grown.sort(key=lambda x: x[0], reverse=True)
        beam = grown[:BEAM]
    scored = [(_score(choice, group, carried, vocabulary, post_width, resp_width), choice) for _s, choice in beam]
    best = max(scored, key=lambda x: x[0])[1] if scored else None
    org = [t for line in group for t in line.assigned[0]]
    post = [t for p, _r in best for t in p] if best else []
    resp = [t for _p, r in best for t in r] if best else []
    cells = [_join(org), _join(post), _join(resp)]
    return cells[-columns:] if columns < 3 else cells


BEAM = 64


WRAP_SLACK = 4


def _score(
    choice, group: list[_Line], carried: bool, vocabulary: Counter | None, post_width: int, resp_width: int, final: bool = True
) -> float:
    score = 0.0
    cols: list[list[str]] = [[], []]
    lines_with: list[list[int]] = [[], []]
    for k, (post, resp) in enumerate(choice):
        for c, frag in enumerate((post, resp)):
            if not frag:
                continue
            so_far = cols[c]
            if not so_far:
                if not carried and not _starts_upper(frag):
                    score -= 3
            else:
                if so_far[-1].endswith(".") and not _starts_upper(frag):
                    score -= 2
                if _joins(so_far[-1], frag[0], vocabulary):
                    score += 1
                if _capitalised_name_run(so_far) and frag[0][:1].isupper():
                    score += 1
            cols[c] = so_far + frag
            lines_with[c].append(k)
        if resp and len(" ".join(resp)) < 40 and not resp[-1].endswith(".") and k < len(group) - 1 and any(l.pieces for l in group[k + 1 :]):
            score -= 1
    # Greedy line wrapping: a column continued on the next line could not fit its next word.
    for c, width in ((0, post_width), (1, resp_width)):
        frags = [(k, opt[c]) for k, opt in enumerate(choice) if opt[c]]
        for (_k1, f1), (_k2, f2) in zip(frags, frags[1:]):
            if len(" ".join(f1)) + 1 + len(f2[0]) <= width - WRAP_SLACK:
                score -= 3
    for c in (0, 1):
        if final and cols[c] and _ends_open(cols[c][-1], vocabulary):
            score -= 3
    # a column's pieces sit on consecutive lines (lines holding only the first column aside)
    ks = lines_with[0]
    for a, b in zip(ks, ks[1:]):
        for k in range(a + 1, b):
            if choice[k][1] and not choice[k][0] and not group[k].noisy_start:
                score -= 5
    for _post, resp in choice:
        over = len(" ".join(resp)) - resp_width
        if resp and over > 0:
            score -= 0.25 * over  # wider than any position line the separators measured
    return score


def _join(tokens: list[str]) -> str:
    text = ""
    for tok in tokens:
        if text.endswith("-") and tok[:1].islower():
            text = text[:-1] + tok
        else:
            text = f"{text} {tok}" if text else tok
    return text.strip()

"""Repair damaged document text: broken font maps, OCR confusions, hyphenation, spaced headings.

The rule is the dictionary's: a word Morfeusz knows is never changed; a word it does not know
is replaced by the cheapest variant it does know, trying the usual OCR confusions
(``t``→``ł``, ``g``→``ę``/``ą``, ``6``/``é``→``ó``, ``$``→``ś``, ``¢``→``ę``/``ć``, ``rn``→``m`` …)
and lost diacritics (``Spolecznej``→``Społecznej``). Ties are broken by the preceding
preposition's case, by person (minutes are not written in the first person) and by the
words the document itself uses; an unresolved tie leaves the word alone.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from indexer.text.analyzer import analyse, fold
from indexer.text.analyzer import words as analyzer_words
from indexer.text.dictionary import (
    cases,
    common_known,
    governed_cases,
    is_common,
    is_declinable,
    piece_count,
    readings,
    tokenizer,
    trusted,
)

# Damaged substring -> what it may stand for. OCR confusions and broken font maps.
OCR_CONFUSIONS: dict[str, tuple[str, ...]] = {
    "t": ("ł",),
    "d": ("ó",),
    "g": ("ę", "ą"),
    "gj": ("ej", "j"),
    "q": ("ą", "ę"),
    "6": ("ó",),
    "é": ("ó", "ę"),
    "oé": ("ó",),
    "éo": ("ó",),
    "oé6": ("ó",),
    "é6": ("ó",),
    "$": ("ś",),
    "§": ("ś",),
    "¢": ("ę", "ć"),
    "c": ("ś", "ę"),
    "rn": ("m",),
    "ia": ("ja",),
    "s$": ("ś",),
    "ri": ("ń",),
    "1": ("i", "l"),
    "0": ("o",),
    "ŝ": ("ż",),
}
# Letters whose Polish diacritic was lost (ASCII-only text, e.g. ``Rownosci``).
DIACRITICS: dict[str, tuple[str, ...]] = {
    "a": ("ą",), "c": ("ć",), "e": ("ę",), "l": ("ł",), "n": ("ń",),
    "o": ("ó",), "s": ("ś",), "z": ("ż", "ź"),
}
MAX_EDITS = 3
# A document with more unknown words than this is treated as OCR-damaged throughout.
DAMAGED_SHARE = 0.08
_JUNK = "$§¢é6ŝ10"
# A token that may be a damaged word: letters (and OCR junk such as "$" or "6" inside),
# with inner hyphens: "dziatalno$ci", "Os6b", "Spoteczno-Edukacyjnych".
_PIECE = r"(?:[^\W\d_]|[$§¢])(?:[^\W_]|[$§¢])*"
WORDLIKE = re.compile(rf"{_PIECE}(?:-{_PIECE})*")
_PERSON_12 = (":pri", ":sec")


@dataclass
class Repair:
    """One changed word: where, what it was and what it became."""

    start: int
    original: str
    repaired: str
    rule: str


@dataclass
class RepairResult:
    """Repaired text with the list of changes made."""

    text: str
    changes: list[Repair] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# One word
# --------------------------------------------------------------------------------------


def _apply_case(pattern: str, candidate: str) -> str:
    letters = [ch for ch in pattern if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return candidate.upper()
    if pattern[:1].isupper():
        return candidate[:1].upper() + candidate[1:]
    return candidate


def _edit_sites(lower: str) -> list[tuple[int, int, tuple[str, ...], bool]]:
    """Every place an edit could apply: (start, end, replacements, is_ocr)."""
    sites = []
    for i in range(len(lower)):
        for key, repl in OCR_CONFUSIONS.items():
            if lower.startswith(key, i):
                if key == "1" and not (0 < i < len(lower) - 1):
                    continue  # a digit at an edge is a number, not a letter
                sites.append((i, i + len(key), repl, True))
        ch = lower[i]
        if ch in DIACRITICS:
            sites.append((i, i + 1, DIACRITICS[ch], False))
    return sites


def _candidates(lower: str, edits: int) -> Iterable[tuple[str, int]]:
    """Variants of ``lower`` with exactly ``edits`` non-overlapping edits, and their OCR count."""
    sites = _edit_sites(lower)
    for combo in itertools.combinations(sites, edits):
        spans = sorted((s, e) for s, e, _r, _o in combo)
        if any(spans[k][1] > spans[k + 1][0] for k in range(len(spans) - 1)):
            continue
        ordered = sorted(combo)
        for choice in itertools.product(*(site[2] for site in ordered)):
            out, last = [], 0
            for (start, end, _repl, _ocr), rep in zip(ordered, choice):
                out.append(lower[last:start])
                out.append(rep)
                last = end
            out.append(lower[last:])
            yield "".join(out), sum(site[3] for site in ordered)


def _acceptable(candidate: str, original: str, vocabulary: Counter | None) -> bool:
    """A repair target: a common word, or for a capitalised word a place or institution."""
    cased = _apply_case(original, candidate)
    found = readings(cased)
    if not found:
        return False
    if any(is_common(a) for a in found):
        return True
    if original[:1].isupper():
        kinds = {k for a in found for k in a[2]}
        if kinds & {"nazwa_geograficzna", "nazwa_organizacji", "nazwa_instytucji"}:
            return True
        return vocabulary is not None and vocabulary.get(fold(cased), 0) > 0
    return False


def _surname_only(word: str) -> bool:
    found = readings(word)
    return bool(found) and all(not is_common(a) and set(a[2]) <= {"nazwisko", "imię"} for a in found)


def needs_repair(word: str) -> bool:
    """A word the repair should look at: unknown to the dictionary, or carrying OCR junk."""
    letters = sum(ch.isalpha() for ch in word)
    if letters < 2 and not any(ch in word for ch in "$§¢"):
        return False
    if word.isupper() and len(word) <= 5 and not any(ch in word for ch in _JUNK):
        return False  # an acronym: GMK, RPW, NGO
    if any(ch.isdigit() for ch in word) and not any(ch in "610" for ch in word):
        return False
    return not trusted(word)


def repair_word(word: str, prev: str = "", vocabulary: Counter | None = None) -> str:
    """The dictionary's repair of one word, or the word unchanged.

    ``prev`` is the preceding word (a preposition there decides between ``ochroną`` and
    ``ochronę``); ``vocabulary`` counts the document's folded words, to prefer a form the
    document uses elsewhere and to allow proper names it spells correctly elsewhere.
    """
    if not needs_repair(word):
        if word[:1].isupper() and vocabulary and _surname_only(word):
            # Known only as a rare surname, and a 1-edit variant is a word this document
            # spells elsewhere: "Probacia" next to "Stowarzyszenie Probacja".
            for candidate, _ocr in _candidates(word.lower(), 1):
                cased = _apply_case(word, candidate)
                if vocabulary.get(fold(cased), 0) > 0 and common_known(cased):
                    return cased
        return word
    roman = re.fullmatch(r"[Il]*I[Il]*|[Il]*l[Il]*", word)
    if roman and "I" in word and len(word) <= 4:
        return word.replace("l", "I")  # "Il" is the Roman numeral II
    lower = word.lower()
    for edits in range(1, MAX_EDITS + 1):
        found: dict[str, int] = {}
        for candidate, ocr in _candidates(lower, edits):
            if candidate in found or any(ch in candidate for ch in "$§¢é"):
                continue
            if candidate[:1].isdigit() or not candidate.replace("-", "").isalpha():
                continue
            if _acceptable(candidate, word, vocabulary):
                found[candidate] = ocr
        if found:
            best = _choose(list(found), word, prev, vocabulary)
            return _apply_case(word, best) if best else word
    return word


def _choose(candidates: list[str], original: str, prev: str, vocabulary: Counter | None) -> str | None:
    if len(candidates) == 1:
        return candidates[0]
    scored = []
    governed = governed_cases(prev) if prev else frozenset()
    for cand in candidates:
        cased = _apply_case(original, cand)
        analyses = readings(cased)
        score = 0.0
        if any(is_common(a) for a in analyses):
            score += 1
        if governed and cases(cased) & governed:
            score += 2
        if analyses and all(any(p in a[1] for p in _PERSON_12) for a in analyses):
            score -= 2  # "będę", "zostanę": official minutes speak in the third person
        pieces = piece_count(cased)
        if pieces:
            score -= 0.4 * pieces  # a frequent word is one or two pieces of the model's vocabulary
        if vocabulary:
            seen = vocabulary.get(fold(cand), 0) + sum(vocabulary.get("=" + a[0].split(":")[0].lower(), 0) for a in analyses)
            score += min(seen, 3) * 0.5
        scored.append((score, cand))
    scored.sort(reverse=True)
    if scored[0][0] > scored[1][0]:
        return scored[0][1]
    return None


# --------------------------------------------------------------------------------------
# Whole texts
# --------------------------------------------------------------------------------------


def fix_font_map(text: str) -> str:
    """Undo broken Windows font maps: ``Ŝ`` stands for ``ż``/``Ż``; in an upper-case word a
    stray ``ś`` stands for ``Ż`` (``BRAN śOWEGO``)."""
    text = re.sub(r"(?<=[a-ząćęłńóśźż])Ŝ|Ŝ(?=[a-ząćęłńóśźż])", "ż", text)
    text = text.replace("Ŝ", "Ż")
    return re.sub(r"(?<=[A-ZĄĆĘŁŃÓŚŹŻ] )ś(?=[A-ZĄĆĘŁŃÓŚŹŻ]{2})|(?<=[A-ZĄĆĘŁŃÓŚŹŻ]{2})ś(?=[A-ZĄĆĘŁŃÓŚŹŻ])", "Ż", text)


def join_spaced_words(text: str) -> str:
    """Join words split by stray spaces in upper-case headings: ``P RAC`` -> ``PRAC``,
    ``KRAKÓ W`` -> ``KRAKÓW``, ``BRAN ŻOWEGO`` -> ``BRANŻOWEGO``. A join happens only when the
    joined word is known and one of the pieces is not a word on its own."""
    lines = []
    for line in text.split("\n"):
        letters = [ch for ch in line if ch.isalpha()]
        if len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.85:
            line = _join_line(line)
        lines.append(line)
    return "\n".join(lines)


def _join_line(line: str) -> str:
    tokens = line.split(" ")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if i + 1 < len(tokens) and tok.isalpha() and tokens[i + 1][:1].isalpha():
            nxt = re.match(r"[^\W\d_]+", tokens[i + 1])
            if nxt:
                joined = tok + nxt.group(0)
                pieces_ok = _heading_word(tok) and _heading_word(nxt.group(0))
                single = len(tok) == 1 or len(nxt.group(0)) == 1
                if (trusted(joined.lower()) or trusted(joined)) and (
                    not pieces_ok or (single and tok.upper() not in {"W", "Z", "I", "O", "A", "U"})
                ):
                    out.append(tok + tokens[i + 1])
                    i += 2
                    continue
        out.append(tok)
        i += 1
    return " ".join(out)


def _heading_word(word: str) -> bool:
    return len(word) > 1 and (trusted(word) or trusted(word.lower()) or trusted(word.capitalize()))


def dehyphenate(text: str) -> str:
    """Join a word hyphenated across a line break when the joined word is known
    (``współ-\\npraca``), keeping real compounds (``demograficzno-\\nepidemiologicznej``)."""

    def join(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        if trusted(left + right) and not (trusted(left) and trusted(right)):
            return left + right + "\n"
        return match.group(0)

    return re.sub(r"([^\W\d_]+)-[ \t]*\n[ \t]*([^\W\d_]+)[ \t]?", join, text)


def _coordination(tokens: list[tuple[int, str]], text: str) -> list[Repair]:
    """A lone ``1`` between two declinable words in the same case is the conjunction ``i``."""
    fixes = []
    for k in range(1, len(tokens) - 1):
        start, tok = tokens[k]
        if tok != "1":
            continue
        left, right = tokens[k - 1][1], tokens[k + 1][1]
        if not (left.isalpha() and right.isalpha() and right[:1].islower()):
            continue
        if is_declinable(left) and is_declinable(right) and cases(left) & cases(right):
            fixes.append(Repair(start, "1", "i", "coordination"))
    return fixes


def document_vocabulary(text: str) -> Counter:
    """Words the dictionary knows, counted (folded forms, and lemmas under ``=lemma``):
    which spellings and which words a document itself uses."""
    counts: Counter = Counter()
    for w in WORDLIKE.findall(text):
        if trusted(w):
            counts[fold(w)] += 1
            for lemma in {a[0].split(":")[0].lower() for a in readings(w)}:
                counts["=" + lemma] += 1
    return counts


def _is_abbreviation(word: str, following: str) -> bool:
    if following != "." or len(word) > 6:
        return False
    return any(reading.tag.startswith("brev") for reading in analyse(word + "."))


def repair_text(text: str, vocabulary: Counter | None = None, thorough: bool | None = None) -> RepairResult:
    """Repair every damaged word of ``text`` (font maps, spaced headings, hyphenation, OCR).

    ``thorough`` (default: when more than ``DAMAGED_SHARE`` of the words are unknown, i.e. an
    OCR'd document) tries every confusion on every unknown word; otherwise only words with
    OCR junk characters (``$``, ``¢``, a digit inside a word) are touched, so that a clean
    document's unknown surnames (``Dąsal``) stay as they are.
    """
    original = text
    text = dehyphenate(join_spaced_words(fix_font_map(text)))
    changes = _layout_changes(original, text)
    if thorough is None:
        thorough = unknown_share(text) >= DAMAGED_SHARE
    first, more = _repair_pass(text, vocabulary or document_vocabulary(text), thorough)
    # Second pass: ties left by the first ("pozarządowym" or "pozarzędowym"?) are decided by
    # the words the repaired document uses.
    changes += more
    second, more = _repair_pass(first, vocabulary or document_vocabulary(first), thorough)
    return RepairResult(second, changes + more)


def _layout_changes(before: str, after: str) -> list[Repair]:
    """Words changed by the font-map, heading and hyphenation steps (for the figures only:
    ``start`` is -1 since these edits are already applied)."""
    import difflib

    old, new = before.split(), after.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op != "equal":
            out.append(Repair(-1, " ".join(old[i1:i2]), " ".join(new[j1:j2]), "layout"))
    return out


def _repair_pass(text: str, vocabulary: Counter, thorough: bool) -> tuple[str, list[Repair]]:
    tokens = [(m.start(), m.group(0)) for m in re.finditer(r"[^\s]+", text)]
    words = [(m.start(), m.group(0)) for m in WORDLIKE.finditer(text)]
    changes: list[Repair] = []
    prev = ""
    for start, word in words:
        end = start + len(word)
        if _is_abbreviation(word, text[end : end + 1]) or text[end : end + 1] == "'" or text[start - 1 : start] == "'":
            prev = word
            continue  # "godz." is an abbreviation; "uzal'ez'me" is beyond repair
        if not thorough and not any(ch in word for ch in _JUNK):
            prev = word
            continue
        parts = word.split("-") if "-" in word and not trusted(word) else [word]
        offset = start
        for part in parts:
            if part:
                fixed = _repair_part(part, prev, vocabulary, word)
                if fixed != part:
                    changes.append(Repair(offset, part, fixed, "dictionary"))
            offset += len(part) + 1
        prev = word
    changes.extend(_coordination([(s, w) for s, w in tokens], text))
    changes.sort(key=lambda c: c.start)
    out, last = [], 0
    for change in changes:
        out.append(text[last : change.start])
        out.append(change.repaired)
        last = change.start + len(change.original)
    out.append(text[last:])
    return "".join(out), changes


def _repair_part(part: str, prev: str, vocabulary: Counter, whole: str) -> str:
    fixed = repair_word(part, prev, vocabulary)
    if fixed == part and whole != part and part[-1:] in "oO" and needs_repair(part):
        # The first half of a compound adjective ("Spoteczno-Edukacyjnych"): judge it as the
        # adjective it comes from ("społeczny").
        base = repair_word(part[:-1] + "y", prev, vocabulary)
        if base != part[:-1] + "y" and trusted(base.lower()):
            return base[:-1] + part[-1]
    return fixed


def unknown_share(text: str) -> float:
    """Share of word tokens the dictionary does not know (a damage measure)."""
    tokens = [w for w in WORDLIKE.findall(text) if sum(ch.isalpha() for ch in w) >= 2]
    if not tokens:
        return 0.0
    return sum(not trusted(w) for w in tokens) / len(tokens)


# --------------------------------------------------------------------------------------
# Measuring the repair
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentContext:
    """What the repair of one document knows about it: damaged or not, and its words."""

    thorough: bool
    vocabulary: Counter


def document_context(text: str, thorough: bool | None = None) -> DocumentContext:
    """The mode and vocabulary :func:`repair_text` would use for the whole document ``text``
    (``thorough``: force the mode, e.g. for OCR'd text; ``None``: judged from the text)."""
    text = dehyphenate(join_spaced_words(fix_font_map(text)))
    if thorough is None:
        thorough = unknown_share(text) >= DAMAGED_SHARE
    first, _ = _repair_pass(text, document_vocabulary(text), thorough)
    return DocumentContext(thorough, document_vocabulary(first))


def token_count(text: str) -> int:
    """Tokens of ``text`` for the embedding model (its tokenizer when on disk, else an estimate)."""
    tok = tokenizer()
    if tok is None:
        return int(len(text.split()) * 1.9) + 1
    return len(tok.encode(text, add_special_tokens=False).ids)


QUERY_KNOWN_SHARE = 0.75  # below this share of dictionary words after repair, a query is not Polish


def repair_query(query: str) -> str:
    """A typed question with its damaged or diacritic-less Polish words restored ("wspolpracy",
    "Wydziat" → "współpracy", "Wydział"), so that it is embedded and analysed like the repaired
    documents. A question that is not Polish (most words unknown even after repair) and every
    number in it ("nr 1") stay as typed."""
    repaired = repair_text(query, thorough=True).text
    if repaired == query:
        return query
    before, after = query.split(), repaired.split()
    if len(before) == len(after):  # numbers are meant as typed, never read as OCR damage
        after = [b if b.isdigit() else a for b, a in zip(before, after)]
        repaired = " ".join(after)
    letters = [w for w in analyzer_words(repaired) if not w.isdigit()]
    known = sum(_known(w) for w in letters)
    return repaired if letters and known / len(letters) >= QUERY_KNOWN_SHARE else query


def _known(word: str) -> bool:
    return bool(readings(word)) or bool(readings(word.lower()))

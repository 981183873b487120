"""Polish lexical analyzer: Morfeusz lemmas, lower case and a form without Polish letters.

It turns text into the terms of the sparse (lexical) vectors, so that ``polityki lokalowej``,
``polityka lokalowa`` and ``dzialalnosc`` typed without diacritics all meet the same terms as
``działalność`` and ``polityka lokalowa`` in the documents. Term weights use BM25 saturation;
Qdrant applies IDF through the sparse vector's IDF modifier.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import morfeusz2

ANALYZER_VERSION = "pl-morfeusz-1"

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)
_SKIP_TAGS = ("interp", "aglt")

# Function words that carry no topic; IDF alone leaves them noisy in short queries.
STOPWORDS = frozenset(
    """
    a aby ale albo ani aż bez bo by być był była było byli co czy dla do gdy gdzie go i ich
    im in inne jak jaki jakie jakich jako je jego jej jest jeszcze już każdy kiedy kto która
    które którego której który których lub ma mają między mi mnie mu na nad nam nas nie nich
    nim niż no o od oraz po pod przez przy się sobie są ta tak take także te tego tej ten to
    tu tych tylko tym u w we więc wszystko z za ze że ż the of and in to for what which who
    how did does do is are was were on with by about
    """.split()
)

_FOLD = str.maketrans({"ł": "l", "Ł": "L"})


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Polish (and other) diacritics: ``Działalność`` -> ``dzialalnosc``."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def _morfeusz() -> morfeusz2.Morfeusz:
    return morfeusz2.Morfeusz(generate=False, expand_tags=False)


class Reading(NamedTuple):
    """One Morfeusz reading of a segment of a word: where the segment lies, its lemma, its
    tag (``subst:sg:gen:m3``) and name kinds (``nazwa_geograficzna`` …)."""

    start: int
    end: int
    orth: str
    lemma: str
    tag: str
    names: tuple[str, ...]
    qualifiers: tuple[str, ...]


@lru_cache(maxsize=200_000)
def analyse(word: str) -> tuple[Reading, ...]:
    """Every Morfeusz reading of ``word`` (tag ``ign`` when unknown): the one way the project
    asks the dictionary, so that each caller shares one analyser and one cache."""
    return tuple(
        Reading(start, end, orth, lemma, tag, tuple(names), tuple(quals))
        for start, end, (orth, lemma, tag, names, quals) in _morfeusz().analyse(word)
    )


@lru_cache(maxsize=200_000)
def lemmas(word: str) -> tuple[str, ...]:
    """Lower-cased Morfeusz lemmas of ``word``; empty when the dictionary does not know it."""
    found: list[str] = []
    for _start, _end, _orth, lemma, tag, _names, _quals in analyse(word):
        if tag == "ign" or tag.startswith(_SKIP_TAGS):
            continue
        base = lemma.split(":", 1)[0].lower()
        if base and base not in found:
            found.append(base)
    return tuple(found)


@lru_cache(maxsize=200_000)
def analyses(word: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """Every Morfeusz reading of ``word``: (lemma, tag, name qualifiers such as "imię")."""
    return tuple((lemma, tag, tuple(names)) for _s, _e, (_o, lemma, tag, names, _q) in _morfeusz().analyse(word))


_VERB_TAGS = ("fin", "praet", "bedzie", "impt", "imps", "inf")


def is_verb(word: str) -> bool:
    """True when every reading of ``word`` is a verb form ("jest", "planuje", "wpłynęło")."""
    readings = [tag for _lemma, tag, _names in analyses(word) if tag != "ign"]
    return bool(readings) and all(tag.startswith(_VERB_TAGS) for tag in readings)


def text_lemmas(text: str) -> set[str]:
    """The lemmas of the words of ``text``; a word the dictionary does not know stands for
    itself, lower-cased ("NGO", "proposal")."""
    return {lemma for word in words(text) for lemma in (lemmas(word) or (word.lower(),))}


def is_known_word(word: str) -> bool:
    """True when Morfeusz's dictionary knows ``word`` (used by text repair and tests)."""
    return bool(lemmas(word))


def words(text: str) -> list[str]:
    """Word tokens of ``text`` (letters and digits, keeping inner hyphens)."""
    return _WORD.findall(text)


@lru_cache(maxsize=200_000)
def word_terms(word: str) -> tuple[str, ...]:
    """Terms for one word: its lemmas, their folded forms and the folded surface form."""
    lower = word.lower()
    if lower in STOPWORDS or fold(lower) in STOPWORDS:
        return ()
    terms: list[str] = []
    for lemma in lemmas(word) or lemmas(lower):
        if lemma in STOPWORDS:
            continue
        terms.extend((lemma, fold(lemma)))
    terms.append(fold(lower))
    return tuple(dict.fromkeys(t for t in terms if t))


def terms(text: str) -> list[str]:
    """All index terms of ``text`` in order (a word may give several)."""
    out: list[str] = []
    for word in words(text):
        out.extend(word_terms(word))
    return out


def term_id(term: str) -> int:
    """Stable 32-bit id of a term (the sparse vector's dimension)."""
    return zlib.crc32(term.encode("utf-8"))


@dataclass(frozen=True)
class SparseTerms:
    """A sparse vector as parallel lists of dimension ids and weights."""

    indices: list[int]
    values: list[float]


@dataclass(frozen=True)
class Bm25Weights:
    """BM25 term-frequency saturation; IDF is left to Qdrant's IDF modifier."""

    k1: float = 1.2
    b: float = 0.75
    avg_len: float = 60.0

    def document(self, text: str) -> SparseTerms:
        """Sparse vector of a passage: saturated, length-normalised term frequencies."""
        counts = Counter(terms(text))
        length = sum(counts.values()) or 1
        norm = self.k1 * (1 - self.b + self.b * length / self.avg_len)
        return _sparse({t: tf * (self.k1 + 1) / (tf + norm) for t, tf in counts.items()})

    def query(self, text: str) -> SparseTerms:
        """Sparse vector of a query: each distinct term once, weight 1."""
        return _sparse(dict.fromkeys(terms(text), 1.0))


def _sparse(weights: dict[str, float]) -> SparseTerms:
    by_id: dict[int, float] = {}
    for term, weight in weights.items():
        idx = term_id(term)
        by_id[idx] = by_id.get(idx, 0.0) + weight
    ordered = sorted(by_id.items())
    return SparseTerms([i for i, _ in ordered], [w for _, w in ordered])

"""The question's words against the index: their rarity (IDF over the stored passages), the
names a question is about, and how much of them a sentence or passage holds."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.question.analysis import QuestionInfo
from indexer.store.base import Store
from indexer.store.schema import SearchFilters
from indexer.text import analyzer


@dataclass
class TermStats:
    """Document frequencies of the index's lexical terms (from the stored sparse vectors), and a
    sample of passage embeddings: the background a question's best similarity is compared to."""

    n_docs: int
    df: dict[int, int]
    background: np.ndarray | None = None

    @classmethod
    def from_store(cls, store: Store, sample: int = 2000, seed: int = 0) -> TermStats:
        """Count, once per process, in how many passages each term occurs. The document's title
        is part of every passage's lexical text (so that its passages are found by it): its
        words count once per document, or every title word would look common."""
        df: dict[int, int] = {}
        vectors: list[Sequence[float]] = []
        rng = np.random.default_rng(seed)
        n = 0
        titles: dict[str, frozenset[int]] = {}
        for point in store.scroll(SearchFilters(kinds=("passage",)), with_vectors=True):
            n += 1
            if point.dense is not None:
                if len(vectors) < sample:  # reservoir sample of the passage vectors
                    vectors.append(point.dense)
                else:
                    j = int(rng.integers(0, n))
                    if j < sample:
                        vectors[j] = point.dense
            if point.sparse is None:
                continue
            payload = point.payload or {}
            doc = str(payload.get("doc_id", ""))
            first = doc not in titles
            if first:
                titles[doc] = frozenset(analyzer.term_id(t) for t in analyzer.terms(str(payload.get("title") or "")))
            for idx in set(point.sparse.indices):
                if first or idx not in titles[doc]:
                    df[idx] = df.get(idx, 0) + 1
        background = np.asarray(vectors, dtype=np.float32) if vectors else None
        return cls(n, df, background)

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> TermStats:
        df: dict[int, int] = {}
        n = 0
        for text in texts:
            n += 1
            for idx in {analyzer.term_id(t) for t in analyzer.terms(text)}:
                df[idx] = df.get(idx, 0) + 1
        return cls(n, df)

    def word_df(self, word: str) -> int:
        """Passages containing any form of ``word`` (its commonest term counts)."""
        return max((self.df.get(analyzer.term_id(t), 0) for t in analyzer.word_terms(word)), default=0)

    def idf(self, df: int) -> float:
        n = max(self.n_docs, 1)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


@dataclass(frozen=True)
class FocusWord:
    word: str
    terms: frozenset[str]
    weight: float
    known: bool  # the index vocabulary has it


def focus_words(info: QuestionInfo, stats: TermStats) -> list[FocusWord]:
    """Content words of the question (no question words, no digits) with their IDF."""
    out: list[FocusWord] = []
    seen: set[frozenset[str]] = set()
    for word in analyzer.words(info.text):
        if word.isdigit():
            continue
        terms = frozenset(analyzer.word_terms(word)) - info.excluded_terms
        if not terms or terms in seen:
            continue
        seen.add(terms)
        df = stats.word_df(word)
        out.append(FocusWord(word, terms, stats.idf(df), df > 0))
    return out


def coverage(focus: Sequence[FocusWord], bag: set[str], known_only: bool = False) -> float:
    """IDF-weighted share of the focus words that occur in ``bag`` (a set of terms)."""
    words = [f for f in focus if f.known] if known_only else list(focus)
    total = sum(f.weight for f in words)
    if total <= 0:
        return 0.0
    return sum(f.weight for f in words if f.terms & bag) / total


def hit_terms(hit: Any) -> set[str]:
    """Terms of a passage with its title, heading and date: the context a reader sees."""
    context = " ".join([hit.title or "", " ".join(hit.heading_path or []), hit.date or "", hit.text])
    return set(analyzer.terms(context))


def distinctive_words(focus: Sequence[FocusWord]) -> list[FocusWord]:
    """The names in a foreign-language question that the index knows and few passages hold
    ("Zustricz", not "NGO"); lower-case words that happen to be Polish too ("grant") are not
    names and mean something else there."""
    return [f for f in focus if f.known and f.weight >= DISTINCTIVE_IDF and f.word[:1].isupper()]


_MONTH_LEMMAS = frozenset(
    "styczeń luty marzec kwiecień maj czerwiec lipiec sierpień wrzesień październik listopad grudzień"
    " january february march april may june july august september october november december".split()
)


def _is_date_word(word: str) -> bool:
    """A month's name: in a question it dates the event asked about."""
    return bool(analyzer.text_lemmas(word) & _MONTH_LEMMAS)


DISTINCTIVE_IDF = 2.0  # a word in fewer than about one passage in eight


GENERIC_IDF = 1.5  # a word in more than about one passage in five


MIN_PASSAGES_FOR_RARITY = 30  # below this, IDF cannot tell a common word from a rare one


def question_names(info: QuestionInfo) -> list[str]:
    """The names a Polish question asks about: capitalised words after its first, not acronyms
    ("Dębnikach", "Sportu", "Podgórze" in "Klub Sąsiedzki na Dębnikach")."""
    if info.lang != "pl":
        return []
    words = analyzer.words(info.text)[1:]
    return [w for w in words if w[:1].isupper() and sum(ch.isupper() for ch in w) == 1 and len(w) >= 4 and analyzer.word_terms(w)]


def distinctive_names(info: QuestionInfo, focus: Sequence[FocusWord]) -> list[FocusWord]:
    """The question's names (:func:`question_names`) that few passages hold, or none: what it
    is about ("Centrum Obywatelskie Bieżanów": "Centrum" and "Obywatelskie" are everywhere,
    "Bieżanów" is the one that matters)."""
    asked = set(question_names(info))
    out = []
    for f in focus:
        if f.word not in asked:
            continue
        if not analyzer.is_known_word(f.word):
            # a word neither the index nor the dictionary knows is a typo or OCR damage ("Lokalowc")
            if f.known and f.weight >= GENERIC_IDF:
                out.append(f)
        elif is_proper_name(f.word) and (not f.known or f.weight >= GENERIC_IDF):
            out.append(f)  # a capitalised common noun ("Urząd", written "UMK" in the text) is no name
    return out


_COMMON = frozenset({"nazwa_pospolita", "człon_nazwy_geograficznej"})


def is_proper_name(word: str) -> bool:
    """Morfeusz reads ``word`` as a proper name: a place, a surname, a first name ("Bieżanów",
    "Podgórze", "Grzegórzki"), not only a common noun written with a capital ("Urząd", "Sportu")."""
    return any(set(names) - _COMMON for _lemma, _tag, names in analyzer.analyses(word))

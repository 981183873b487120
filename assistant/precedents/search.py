"""Precedents: earlier postulates like a new one, with what the city answered, when and where.

An official drafting a reply asks "Co miasto odpowiedziało na…" or pastes an organisation's
postulate; this finds the most similar postulate records (``kind="postulate"`` points: who
proposed what and the responding unit's answer) and orders them by similarity, then date. An
index without records falls back on passages of minutes and news.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from assistant.answer.terms import FocusWord, coverage
from assistant.retrieval.retriever import Hit, Retriever
from indexer.store.schema import SearchFilters
from indexer.text import analyzer

logger = logging.getLogger(__name__)

POSTULATE = "postulate"
FALLBACK_TYPES = ("minutes", "news")
SIMILARITY_TIE = 0.01  # similarities closer than this count as equal, and the newer record goes first
# Added to the cosine for a record holding all of the subject's words (weighted by rarity among
# the candidates): e5-small puts most records of this domain within 0.05 of each other.
LEXICAL_BONUS = 0.05

# Words that frame a precedent question ("Co miasto odpowiedziało na postulat…", "Czy ktoś już
# wnioskował o…", "jak już kiedyś na to odpowiadaliśmy") rather than name its subject.
_FRAME_LEMMAS = frozenset(
    """
    co jak czy ktoś kto jaki który gdy kiedy kiedyś już wcześniej dotąd to na do wobec o mu im
    miasto urząd wydział gmina my nasz my odpowiedzieć odpowiadać odpowiedź odnieść odnosić reakcja
    zareagować stanowisko zająć zajmować wnioskować postulować prosić prośba wniosek postulat pomysł
    propozycja chcieć być mieć zostać kontekst jakiś jaki się i w
    """.split()
)


@dataclass
class Precedent:
    """An earlier postulate (or, without records, a passage) with the answer and its source."""

    similarity: float
    postulate: str
    response: str | None
    organisation: str | None
    unit: str | None
    date: str | None
    title: str
    source: str
    page: int | None
    location: str | None
    doc_id: str
    kind: str

    def to_json(self) -> dict[str, Any]:
        return {k: (round(v, 4) if k == "similarity" else v) for k, v in self.__dict__.items()}


def subject_of(text: str) -> str:
    """The words of ``text`` that name its subject, without the frame of the question."""
    kept = [w for w in analyzer.words(text) if not _is_frame_word(w)]
    return " ".join(kept) if len(kept) >= 2 else text.strip()


def _is_frame_word(word: str) -> bool:
    lemmas = analyzer.lemmas(word) or analyzer.lemmas(word.lower()) or (word.lower(),)
    return word.lower() in _FRAME_LEMMAS or any(lemma in _FRAME_LEMMAS for lemma in lemmas)


def has_records(retriever: Retriever) -> bool:
    """Whether the index holds postulate records."""
    with retriever._lock:
        return retriever.store.count(SearchFilters(kinds=(POSTULATE,))) > 0


def find_precedents(
    retriever: Retriever,
    text: str,
    k: int = 8,
    before: str | None = None,
    filters: SearchFilters | None = None,
) -> list[Hit]:
    """The ``k`` postulate records most similar to ``text`` (dated up to ``before`` when given),
    ordered by similarity, then date (newest first); ``score`` is the cosine similarity of the
    subject to the record's postulate plus up to :data:`LEXICAL_BONUS` for the subject's words
    the record holds (:func:`word_agreement`)."""
    query = subject_of(text)
    base = filters or SearchFilters()
    records = has_records(retriever)
    search_filters = replace(
        base,
        kinds=(POSTULATE,) if records else ("passage",),
        types=base.types or (() if records else FALLBACK_TYPES),
        date_to=before or base.date_to,
    )
    hits = retriever.search(query, k=max(3 * k, 20), filters=search_filters)
    if not hits:
        return []
    embedder = retriever.embedder
    q_vec = np.asarray(embedder.encode_queries([query])[0])
    vectors = np.asarray(embedder.encode_passages([_comparable_text(h) for h in hits]))
    similarity = vectors @ q_vec + LEXICAL_BONUS * word_agreement(query, [_record_text(h) for h in hits])
    scored = [replace(h, score=round(float(s), 6)) for h, s in zip(hits, similarity)]
    scored.sort(key=lambda h: (-round(h.score / SIMILARITY_TIE), _negated_date(h.date)))
    return [replace(h, rank=i) for i, h in enumerate(scored[:k], start=1)]


def precedents(retriever: Retriever, text: str, k: int = 8, before: str | None = None) -> list[Precedent]:
    """:func:`find_precedents` as plain records for the command line and JSON."""
    return [as_precedent(h) for h in find_precedents(retriever, text, k=k, before=before)]


def as_precedent(hit: Hit) -> Precedent:
    p = hit.payload or {}
    is_record = p.get("kind") == POSTULATE
    organisation = p.get("organisation") or None
    if not organisation and p.get("organisations") and not is_record:
        organisation = ", ".join(p["organisations"][:3])
    return Precedent(
        similarity=hit.score,
        postulate=(p.get("postulate") if is_record else None) or hit.text,
        response=(p.get("response") or None) if is_record else None,
        organisation=organisation,
        unit=(p.get("unit") or p.get("responding_unit")) if is_record else None,
        date=hit.date,
        title=hit.title,
        source=hit.source,
        page=hit.page,
        location=p.get("location"),
        doc_id=hit.doc_id,
        kind=str(p.get("kind", "passage")),
    )


def word_agreement(query: str, texts: list[str]) -> np.ndarray:
    """For each text, the share of the query's words it holds (as lemmas), each word weighted
    by how few of the texts hold it: e5 rates "lokale gminne" about as close to a postulate on
    funds as to one on premises; the word "lokal" tells them apart."""
    bags = [set(analyzer.terms(t)) for t in texts]
    n = len(bags)
    focus = []
    for word in analyzer.words(query):
        terms = frozenset(analyzer.word_terms(word))
        if terms and not _is_frame_word(word):
            df = sum(1 for bag in bags if terms & bag)
            focus.append(FocusWord(word, terms, math.log((n + 1) / (df + 0.5)) if df else 0.0, df > 0))
    return np.array([coverage(focus, bag) for bag in bags])


def _record_text(hit: Hit) -> str:
    """A record's postulate, response and section heading: all a precedent can agree on."""
    p = hit.payload or {}
    return " ".join(str(x) for x in (p.get("postulate") or hit.text, p.get("response") or "", *(hit.heading_path or [])))


def _comparable_text(hit: Hit) -> str:
    """What a record is compared on: its postulate when it has one, else its whole text."""
    p = hit.payload or {}
    return str(p.get("postulate") or hit.text)


def _negated_date(date: str | None) -> str:
    """Sort key putting newer ISO dates first (and undated last)."""
    if not date:
        return "~"
    return "".join(chr(ord("9") - ord(c) + ord("0")) if c.isdigit() else c for c in date)

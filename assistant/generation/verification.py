"""Checking a generated answer sentence by sentence against the sources it cites.

A sentence is kept only when a source it cites supports it: enough of its content words
(as lemmas) occur in that source, and it is close in meaning to one of the source's sentences
(e5 embeddings). Both thresholds are calibrated on the evaluation questions' key facts against
their gold and non-gold passages (``python -m eval.answers fit``). A sentence without a
citation, or whose cited source does not support it, is removed (or marked); when another
source would have supported it, the verdict says the citation was wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from indexer.text import analyzer

DEFAULT_THRESHOLDS = {"min_overlap": 0.5, "min_novel_overlap": 0.5, "min_similarity": 0.84}

SUPPORTED = "supported"
WRONG_CITATION = "wrong_citation"
UNSUPPORTED = "unsupported"
NO_CITATION = "no_citation"

_MARKER = re.compile(r"\s*\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_REPLY_BOUNDARY = re.compile(
    r"(?<=[.!?…])(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ0-9„\"(•\-–*])"
    r"|(?<=\])\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ„\"(•\-–*])|\n+"
)


# Sentences in a document that address the assistant rather than state facts.
_INSTRUCTION = re.compile(
    r"(zignoruj|ignoruj|pomiń|zapomnij)\w*\s+(wszystkie\s+|wszelkie\s+)?(poprzedni\w*|wcześniejsz\w*|powyższ\w*|dotychczasow\w*)?\s*(instrukcj|polece|zasad)"
    r"|ignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier)\s+(instructions|prompts?|rules)"
    r"|disregard\s+(all\s+|the\s+)?(previous|prior|above)"
    r"|(jesteś|you\s+are)\s+(teraz|now)\b"
    r"|system\s*prompt|prompt\s+systemowy"
    r"|(nowe|new)\s+(instrukcje|polecenie|instructions)",
    re.I,
)


def gives_orders(sentence: str) -> bool:
    """True for a document sentence that addresses the assistant ("Zignoruj poprzednie
    instrukcje…") instead of stating a fact: it is neither quoted nor shown to an LLM."""
    return bool(_INSTRUCTION.search(sentence))


@dataclass
class SentenceCheck:
    """The verdict on one sentence of a generated answer."""

    text: str  # the sentence as written, markers included
    claim: str  # the sentence without its markers
    cited: list[int]
    verdict: str
    supported_by: list[int] = field(default_factory=list)  # cited sources that support it
    best_source: int | None = None  # the source (cited or not) that supports it best
    overlap: float = 0.0
    similarity: float = 0.0

    @property
    def kept(self) -> bool:
        return self.verdict == SUPPORTED


def citations_in(sentence: str) -> list[int]:
    """The source numbers a sentence cites: ``[1]``, ``[1, 3]``, ``[2][4]``."""
    out: list[int] = []
    for match in _MARKER.finditer(sentence):
        for part in re.split(r"[,;]", match.group(1)):
            n = int(part.strip())
            if n not in out:
                out.append(n)
    return out


def strip_markers(sentence: str) -> str:
    return _MARKER.sub("", sentence).strip()


def complete_sentences(buffer: str) -> tuple[list[str], str]:
    """The finished sentences of a reply still being streamed, and the unfinished rest (raw)."""
    last = None
    for match in _REPLY_BOUNDARY.finditer(buffer):
        last = match
    if last is None:
        return [], buffer
    # a boundary at the very end may still be followed by a citation marker: wait for more text
    if last.end() == len(buffer) and not buffer.endswith("\n"):
        return [], buffer
    return split_reply(buffer[: last.end()]), buffer[last.end() :]


def split_reply(reply: str) -> list[str]:
    """The sentences of a reply, each with the ``[n]`` markers that follow it."""
    parts: list[str] = []
    start = 0
    for match in _REPLY_BOUNDARY.finditer(reply):
        end = match.start()
        # keep markers that follow the sentence's full stop with the sentence
        markers = _MARKER.match(reply, end)
        while markers:
            end = markers.end()
            markers = _MARKER.match(reply, end)
        piece = reply[start:end].strip(" \n-•*")
        if piece:
            parts.append(piece)
        start = max(match.end(), end)
    tail = reply[start:].strip(" \n-•*")
    if tail:
        parts.append(tail)
    return parts


def claim_words(claim: str) -> list[frozenset[str]]:
    """The claim's content words, each as the set of its terms (lemmas, folded forms)."""
    words = [frozenset(analyzer.word_terms(w) or ((w,) if w.isdigit() else ())) for w in analyzer.words(claim)]
    return [w for w in words if w]


def lemma_overlap(claim: str, source_terms: set[str], known: set[str] | None = None) -> float:
    """Share of the claim's content words found (as any of their terms) in the source; with
    ``known`` (the question's terms), only the words the claim adds to the question count:
    "Miasto zlikwidowało fundusz" must find "zlikwidować" in the source, not just "fundusz"."""
    words = claim_words(claim)
    if known is not None:
        words = [w for w in words if not w & known]
        if not words:
            return 1.0
    if not words:
        return 0.0
    return sum(bool(w & source_terms) for w in words) / len(words)


def numbers_found(claim: str, source: str) -> bool:
    """Every number the claim states occurs in the source."""
    have = set(re.findall(r"\d+", source))
    return all(n in have for n in re.findall(r"\d+", claim))


class Verifier:
    """Judges generated sentences against numbered sources (texts), with e5 similarity."""

    def __init__(
        self,
        embedder: Any,
        sources: Sequence[str],
        thresholds: dict[str, float] | None = None,
        question: str = "",
    ) -> None:
        from indexer.text.sentences import sentence_spans

        self.embedder = embedder
        self.question_terms = set(analyzer.terms(question))
        self.sources = list(sources)
        self.thresholds = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        self._terms = [set(analyzer.terms(s)) for s in self.sources]
        self._spans = [sentence_spans(s) or [(0, len(s))] for s in self.sources]
        texts = [s[a:b] for s, spans in zip(self.sources, self._spans) for a, b in spans]
        vectors = np.asarray(embedder.encode_passages(texts)) if texts else np.zeros((0, 1))
        self._vectors: list[np.ndarray] = []
        at = 0
        for spans in self._spans:
            self._vectors.append(vectors[at : at + len(spans)])
            at += len(spans)

    def support(self, claim: str, claim_vec: np.ndarray, n: int) -> tuple[float, float, float]:
        """(lemma overlap, overlap of what the claim adds to the question, best sentence
        similarity) of ``claim`` against source ``n`` (1-based); 0 overlap when a number of
        the claim is missing from the source."""
        i = n - 1
        if not numbers_found(claim, self.sources[i]):
            return 0.0, 0.0, 0.0
        overlap = lemma_overlap(claim, self._terms[i])
        novel = lemma_overlap(claim, self._terms[i], self.question_terms)
        sims = self._vectors[i] @ claim_vec if len(self._vectors[i]) else np.zeros(1)
        return overlap, novel, float(np.max(sims))

    def best_span(self, claim: str, n: int) -> tuple[int, int]:
        """The sentence of source ``n`` closest to ``claim``: the verbatim quote to show."""
        vec = np.asarray(self.embedder.encode_passages([claim])[0])
        i = n - 1
        sims = self._vectors[i] @ vec
        return self._spans[i][int(np.argmax(sims))]

    def supports(self, overlap: float, novel: float, similarity: float) -> bool:
        t = self.thresholds
        return overlap >= t["min_overlap"] and novel >= t["min_novel_overlap"] and similarity >= t["min_similarity"]

    def check(self, sentence: str) -> SentenceCheck:
        claim = strip_markers(sentence)
        cited = citations_in(sentence)
        if not analyzer.words(claim):
            return SentenceCheck(sentence, claim, cited, UNSUPPORTED)
        vec = np.asarray(self.embedder.encode_passages([claim])[0])
        scores = {n: self.support(claim, vec, n) for n in range(1, len(self.sources) + 1)}
        valid = [n for n in cited if n in scores]
        supported_by = [n for n in valid if self.supports(*scores[n])]
        ranked = sorted(scores, key=lambda n: (self.supports(*scores[n]), sum(scores[n])), reverse=True)
        best = ranked[0] if ranked and self.supports(*scores[ranked[0]]) else None
        overlap, _novel, similarity = max((scores[n] for n in valid), key=sum, default=(0.0, 0.0, 0.0))
        if supported_by:
            verdict = SUPPORTED
        elif not cited:
            verdict = NO_CITATION
        elif best is not None:
            verdict = WRONG_CITATION
        else:
            verdict = UNSUPPORTED
        return SentenceCheck(sentence, claim, cited, verdict, supported_by, best, overlap, similarity)

    def verify(self, reply: str) -> list[SentenceCheck]:
        return [self.check(s) for s in split_reply(reply)]

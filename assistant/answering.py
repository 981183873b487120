"""Extractive answers: the sentences of the top passages that best answer the question, cited.

No LLM is needed: every sentence of an answer is a verbatim span of a retrieved passage,
followed by ``[n]``; the numbered citations carry document, date, page and the quote. When the
evidence is weak (a threshold calibrated on the evaluation questions) the assistant abstains.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.messages import message
from assistant.retrieval import Hit, Retriever
from indexer import analyzer
from indexer.store import SearchFilters

logger = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
DEFAULT_CALIBRATION = {"min_evidence": 0.80, "weights": {"dense": 1.0, "coverage": 0.0}}

_BOUNDARY = re.compile(r"(?<=[.!?…;])[\"”»)]?\s+(?=[A-ZĄĆĘŁŃÓŚŹŻ0-9„\"(•\-–])|\n+")
_ABBREV_END = re.compile(r"(?:\b(?:np|tj|m\.in|ul|r|p|dyr|godz|ds|nr|ok|tzw|br|art|ust|pkt|wg|im|św)\.)$", re.I)
_LEAD = re.compile(r"^[\s•\-–—*]+")


@dataclass
class Citation:
    """A numbered source of an answer with the verbatim quote that supports it."""

    n: int
    source: str
    title: str
    date: str | None
    page: int | None
    quote: str
    doc_id: str = ""
    passage: str = ""
    heading_path: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("n", "source", "title", "date", "page", "quote")}


@dataclass
class Answer:
    """The assistant's reply: text with ``[n]`` markers, whether it abstained, the citations."""

    answer: str
    abstained: bool
    citations: list[Citation]
    evidence: float = 0.0
    closest: list[dict[str, Any]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
        }
        if self.closest:
            data["closest"] = self.closest
        data["evidence"] = round(self.evidence, 4)
        return data


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences and list items of ``text``; never cuts after ``np.``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        piece = text[start : match.start()]
        if match.group(0).strip() == "" and "\n" not in match.group(0) and _ABBREV_END.search(piece):
            continue
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for s, e in spans:
        lead = _LEAD.match(text[s:e])
        s += lead.end() if lead else 0
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= 12:
            out.append((s, e))
    return out


def load_calibration(path: Path = CALIBRATION_FILE) -> dict[str, Any]:
    """The abstention threshold fitted by ``python -m eval calibrate`` (defaults if none)."""
    try:
        return {**DEFAULT_CALIBRATION, **json.loads(path.read_text(encoding="utf-8"))}
    except (OSError, ValueError):
        return dict(DEFAULT_CALIBRATION)


def query_coverage(question: str, texts: list[str]) -> float:
    """Share of the question's content words whose terms occur in ``texts``."""
    q_words = [w for w in analyzer.words(question) if analyzer.word_terms(w)]
    if not q_words:
        return 0.0
    bag = set(analyzer.terms(" ".join(texts)))
    return sum(bool(set(analyzer.word_terms(w)) & bag) for w in q_words) / len(q_words)


class Answerer:
    """Turns retrieved passages into a cited extractive answer, or an honest abstention."""

    def __init__(self, retriever: Retriever, calibration: dict[str, Any] | None = None) -> None:
        self.retriever = retriever
        self.calibration = calibration or load_calibration()

    def evidence_features(self, question: str, hits: list[Hit], q_vec: np.ndarray, sent_scores: list[float]) -> dict[str, float]:
        """Signals of how well the passages answer the question (used for abstention)."""
        return {
            "dense": max(sent_scores) if sent_scores else 0.0,
            "coverage": query_coverage(question, [h.text for h in hits[:3]]),
        }

    def evidence_score(self, features: dict[str, float]) -> float:
        weights = self.calibration.get("weights", {"dense": 1.0})
        return float(sum(weights.get(name, 0.0) * value for name, value in features.items()))

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        lang: str = "pl",
        k: int = 8,
        max_sentences: int = 3,
    ) -> Answer:
        """Answer ``question`` from the documents, citing each sentence."""
        question = question.strip()
        if not question:
            return Answer(message("empty_question", lang), True, [])
        hits = self.retriever.search(question, k=k, filters=filters)
        if not hits:
            return Answer(message("abstain", lang), True, [], hits=hits)
        candidates: list[tuple[Hit, int, int]] = []
        for hit in hits[:5]:
            for s, e in sentence_spans(hit.text):
                candidates.append((hit, s, e))
        embedder = self.retriever.embedder
        q_vec = np.asarray(embedder.encode_queries([question])[0])
        sentences = [hit.text[s:e] for hit, s, e in candidates]
        s_vecs = np.asarray(embedder.encode_passages(sentences)) if sentences else np.zeros((0, q_vec.size))
        dense = (s_vecs @ q_vec).tolist() if sentences else []
        q_terms = set(analyzer.terms(question))
        scored = []
        for (hit, s, e), cos in zip(candidates, dense):
            terms = set(analyzer.terms(hit.text[s:e]))
            overlap = len(q_terms & terms) / (len(q_terms) or 1)
            prior = 1.0 / (hit.rank + 1)
            scored.append((cos + 0.15 * overlap + 0.05 * prior, cos, hit, s, e))
        scored.sort(key=lambda item: item[0], reverse=True)
        features = self.evidence_features(question, hits, q_vec, dense)
        evidence = self.evidence_score(features)
        closest = _closest_documents(hits)
        if evidence < float(self.calibration.get("min_evidence", 0.0)) or not scored:
            text = message("abstain", lang) + "\n" + message("closest", lang) + "\n" + "\n".join(
                f"- {d['title']} ({d['date'] or '—'})" for d in closest
            )
            return Answer(text, True, [], evidence=evidence, closest=closest, hits=hits)
        best = scored[0][0]
        chosen = [item for item in scored[:max_sentences] if item[0] >= best - 0.03]
        # Keep the document's own order when several sentences come from one passage.
        chosen.sort(key=lambda item: (item[2].rank, item[3]))
        citations: list[Citation] = []
        by_passage: dict[str, Citation] = {}
        parts: list[str] = []
        for _, _, hit, s, e in chosen:
            quote = hit.text[s:e]
            citation = by_passage.get(hit.id)
            if citation is None:
                citation = Citation(
                    n=len(citations) + 1,
                    source=hit.source,
                    title=hit.title,
                    date=hit.date,
                    page=hit.page,
                    quote=quote,
                    doc_id=hit.doc_id,
                    passage=hit.text,
                    heading_path=hit.heading_path,
                )
                by_passage[hit.id] = citation
                citations.append(citation)
            elif quote not in citation.quote:
                citation.quote = _merge_quotes(hit.text, citation.quote, quote)
            parts.append(f"{quote} [{citation.n}]")
        return Answer("\n".join(parts), False, citations, evidence=evidence, closest=closest, hits=hits)


def _merge_quotes(passage: str, first: str, second: str) -> str:
    """One verbatim span of ``passage`` covering both quotes."""
    a, b = passage.find(first), passage.find(second)
    start, end = min(a, b), max(a + len(first), b + len(second))
    return passage[start:end]


def _closest_documents(hits: list[Hit], limit: int = 3) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for hit in hits:
        if hit.doc_id not in seen:
            seen[hit.doc_id] = {"title": hit.title, "date": hit.date, "source": hit.source, "page": hit.page}
        if len(seen) >= limit:
            break
    return list(seen.values())

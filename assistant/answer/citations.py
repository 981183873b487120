"""What an answer is made of: numbered citations with verbatim quotes, the answer or the
abstention, and the closest documents listed when the assistant abstains."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.messages import message
from assistant.retrieval.retriever import Hit


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
    kind: str = "passage"

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("n", "source", "title", "date", "page", "quote")}

    @classmethod
    def from_hit(cls, n: int, hit: Hit, start: int, end: int) -> Citation:
        """Citation ``n`` of ``hit`` quoting its text from ``start`` to ``end`` (a verbatim span)."""
        return cls(
            n=n,
            source=hit.source,
            title=hit.title,
            date=hit.date,
            page=hit.page,
            quote=hit.text[start:end],
            doc_id=hit.doc_id,
            passage=hit.text,
            heading_path=hit.heading_path,
            kind=str((hit.payload or {}).get("kind", "passage")),
        )


@dataclass
class Answer:
    """The assistant's reply: text with ``[n]`` markers, whether it abstained, the citations."""

    answer: str
    abstained: bool
    citations: list[Citation]
    evidence: float = 0.0
    closest: list[dict[str, Any]] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list, repr=False)
    features: dict[str, float] = field(default_factory=dict, repr=False)
    mode: str = "extractive"
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
        }
        if self.closest:
            data["closest"] = self.closest
        data["evidence"] = round(self.evidence, 4)
        data["mode"] = self.mode
        if self.notes:
            data["notes"] = self.notes
        return data


class _CitationBuilder:
    """Numbers passages in order of first use; one citation per passage, quote covering its spans."""

    def __init__(self) -> None:
        self.citations: list[Citation] = []
        self._by_passage: dict[str, tuple[Citation, int, int]] = {}

    def cite(self, hit: Hit, start: int, end: int) -> int:
        entry = self._by_passage.get(hit.id)
        if entry is None:
            citation = Citation.from_hit(len(self.citations) + 1, hit, start, end)
            self.citations.append(citation)
            self._by_passage[hit.id] = (citation, start, end)
            return citation.n
        citation, s0, e0 = entry
        s1, e1 = min(s0, start), max(e0, end)
        citation.quote = hit.text[s1:e1]
        self._by_passage[hit.id] = (citation, s1, e1)
        return citation.n


def abstention(
    lang: str,
    closest: list[dict[str, Any]],
    probability: float = 0.0,
    hits: list[Hit] | None = None,
    features: dict[str, float] | None = None,
) -> Answer:
    """The Polish (or English) "not in the documents" reply, listing the closest documents."""
    lines = [message("abstain", lang)]
    if closest:
        lines.append(message("closest", lang))
        lines += [f"- {d['title']} ({d['date'] or '—'})" for d in closest]
    return Answer("\n".join(lines), True, [], evidence=probability, closest=closest, hits=hits or [], features=features or {})


def _closest_documents(hits: list[Hit], limit: int = 3) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for hit in hits:
        if hit.doc_id not in seen:
            seen[hit.doc_id] = {"title": hit.title, "date": hit.date, "source": hit.source, "page": hit.page}
        if len(seen) >= limit:
            break
    return list(seen.values())

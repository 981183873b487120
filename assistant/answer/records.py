"""Postulate records in the index: list them (by topic, date, document) or search them.

Records are points of kind ``postulate`` (see ``indexer/postulates.py``): who proposed what,
what the city answered and which unit answered, with the document, date and location.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from assistant.question.analysis import QuestionInfo
from indexer.annotate.postulates import KIND
from indexer.store.schema import SearchFilters
from indexer.text import analyzer

LABELS = {
    "pl": {
        "postulate": "Postulat",
        "response": "Odpowiedź",
        "none": "Nie znaleziono postulatów.",
        "no_response": "(brak zapisanej odpowiedzi)",
        "topics": "Tematy",
    },
    "en": {"postulate": "Postulate", "response": "Response", "none": "No postulates found.", "no_response": "(no response recorded)", "topics": "Topics"},
}


@dataclass
class PostulateHit:
    """One postulate record as shown to a user."""

    organisation: str | None
    postulate: str
    response: str | None
    unit: str | None
    date: str | None
    title: str
    source: str
    doc_id: str
    location: str
    page: int | None
    topics: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    score: float | None = None
    text: str = ""
    original_text: str = ""

    @classmethod
    def from_payload(cls, payload: dict[str, Any], score: float | None = None) -> PostulateHit:
        return cls(
            organisation=payload.get("organisation"),
            postulate=payload.get("postulate") or "",
            response=payload.get("response"),
            unit=payload.get("unit"),
            date=payload.get("date"),
            title=payload.get("title", ""),
            source=payload.get("source", ""),
            doc_id=payload.get("doc_id", ""),
            location=payload.get("location", ""),
            page=payload.get("page"),
            topics=list(payload.get("topics") or []),
            organisations=list(payload.get("organisations") or []),
            score=score,
            text=payload.get("text", ""),
            original_text=payload.get("original_text", ""),
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _only_postulates(filters: SearchFilters | None, topic: str | None) -> SearchFilters:
    base = filters or SearchFilters()
    topics = tuple(base.topics) + ((topic,) if topic else ())
    return replace(base, kinds=(KIND,), topics=topics)


def list_postulates(store, topic: str | None = None, filters: SearchFilters | None = None) -> list[PostulateHit]:
    """Every postulate record matching the filters, newest document first, then in document order."""
    hits = [PostulateHit.from_payload(h.payload) for h in store.scroll(_only_postulates(filters, topic))]
    order = {id(h): (h.date or "", h.doc_id, _position(h)) for h in hits}
    hits.sort(key=lambda h: order[id(h)])
    hits.sort(key=lambda h: h.date or "", reverse=True)
    return hits


def _position(hit: PostulateHit) -> tuple[int, str]:
    digits = "".join(ch if ch.isdigit() else " " for ch in hit.location).split()
    return (int(digits[0]) if digits else 0, hit.location)


def search_postulates(retriever, query: str, k: int = 10, topic: str | None = None, filters: SearchFilters | None = None) -> list[PostulateHit]:
    """The ``k`` postulate records closest to ``query`` (hybrid search over records only)."""
    hits = retriever.search(query, k=k, filters=_only_postulates(filters, topic))
    return [PostulateHit.from_payload(h.payload, h.score) for h in hits]


def format_hits(hits: list[PostulateHit], lang: str = "pl") -> str:
    """Plain-text listing for the command line."""
    text = LABELS.get(lang, LABELS["pl"])
    if not hits:
        return text["none"]
    lines = []
    for n, hit in enumerate(hits, start=1):
        who = hit.organisation or hit.unit or "—"
        where = ", ".join(x for x in (hit.location, f"str. {hit.page}" if hit.page else "") if x)
        lines.append(f"{n}. [{hit.date or '—'}] {who} — {hit.title} ({where}) — {hit.source}")
        if hit.postulate:
            lines.append(f"   {text['postulate']}: {hit.postulate}")
        unit = f" ({hit.unit})" if hit.unit else ""
        lines.append(f"   {text['response']}{unit}: {hit.response or text['no_response']}")
        if hit.topics:
            lines.append(f"   {text['topics']}: {', '.join(hit.topics)}")
    return "\n".join(lines)


# A topic word must be in at most this share of the candidate records to pick some of them out:
# words every record shares (the meeting, "projekt programu na 2026") make a question broad.
DISTINCTIVE_SHARE = 1 / 3
STEM = 6  # "lokalowej" and "lokalowa" meet at "lokalo"; "lokalny" (local) does not

# What a question asks about records: what was raised, what the city answered, or records at all.
RAISED_LEMMAS = frozenset(
    {
        "postulat",
        "postulować",
        "propozycja",
        "zaproponować",
        "wniosek",
        "wnioskować",
        "sugestia",
        "temat",
        "poruszyć",
        "zgłosić",
        "proposal",
        "postulate",
        "demand",
        "topic",
        "raise",
    }
)
ANSWERED_LEMMAS = frozenset(
    {"deklaracja", "zadeklarować", "odpowiedź", "odpowiedzieć", "stanowisko", "zapowiedzieć", "obiecać", "reply", "response", "answer", "declare", "promise"}
)
# Verbs and nouns of a sentence that states the city's reply ("Miasto zapowiedziało analizę…").
REPLY_LEMMAS = ANSWERED_LEMMAS | frozenset({"potwierdzić", "zapewnić", "poinformować", "wyjaśnić", "odnieść"})
POSTULATE_LEMMAS = frozenset(
    {"postulat", "postulować", "propozycja", "wniosek", "wnioskować", "sugestia", "deklaracja", "zadeklarować", "proposal", "postulate", "demand"}
)

# Words that frame a question about postulates rather than name their subject.
_LIST_FRAME = (
    RAISED_LEMMAS | ANSWERED_LEMMAS | POSTULATE_LEMMAS | frozenset("który jaki zgłaszać poruszać podnieść podnosić dotyczyć sprawa tematyka kwestia".split())
)


def topic_stems(words: Sequence[str]) -> list[str]:
    """Stems of the given question words (its rare ones), without the words that frame a
    postulate question: the lemma, cut to :data:`STEM` letters when longer."""
    stems = []
    for word in words:
        if word.isdigit():
            continue
        lemma = (analyzer.lemmas(word) or analyzer.lemmas(word.lower()) or (word.lower(),))[0].lower()
        if lemma in _LIST_FRAME or len(lemma) < 4:
            continue
        folded = analyzer.fold(lemma)
        stems.append(folded[:STEM] if len(folded) > STEM else folded)
    return list(dict.fromkeys(stems))


def on_topic(words: Sequence[str], records: Sequence[Any]) -> list[Any]:
    """The records that hold one of ``words`` (the question's rare words) that few of them
    share: "Które postulaty dotyczyły polityki lokalowej?" keeps the records about premises
    policy. All of them when no such word sets some apart ("Jakie postulaty zgłoszono do
    projektu programu na 2026?" asks for every record of that meeting)."""
    if len(records) < 3:
        return list(records)
    texts = [_folded_lemmas(" ".join([r.text, *(r.heading_path or [])])) for r in records]
    limit = max(1, int(len(records) * DISTINCTIVE_SHARE))
    distinctive = [stem for stem in topic_stems(words) if 0 < sum(holds(t, stem) for t in texts) <= limit]
    if not distinctive:
        return list(records)
    return [r for r, t in zip(records, texts) if any(holds(t, stem) for stem in distinctive)]


def _folded_lemmas(text: str) -> set[str]:
    return {analyzer.fold(lemma) for lemma in analyzer.text_lemmas(text)}


def holds(lemmas: set[str], stem: str) -> bool:
    """Whether folded ``lemmas`` hold ``stem`` (a lemma, or its first :data:`STEM` letters)."""
    return stem in lemmas or (len(stem) >= STEM and any(lemma.startswith(stem) for lemma in lemmas))


def _asked_side(info: QuestionInfo) -> str | None:
    """ "response" when a question asks only what the city answered or declared, "postulate"
    when it asks only what was raised or proposed, else ``None`` (the record field it needs)."""
    lemmas = analyzer.text_lemmas(info.text)
    raised, answered = bool(lemmas & RAISED_LEMMAS), bool(lemmas & ANSWERED_LEMMAS)
    if raised == answered:
        return None
    return "postulate" if raised else "response"


def _asks_about_postulates(info: QuestionInfo) -> bool:
    return bool(analyzer.text_lemmas(info.text) & POSTULATE_LEMMAS)

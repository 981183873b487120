"""The gold questions and how a passage, a document or an answer is judged against them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from indexer.text.analyzer import fold

QUESTIONS_FILE = Path(__file__).with_name("questions.jsonl")

# The kinds of question the issue asks for; ``unanswerable`` ones have no gold documents.
ANSWERABLE_KINDS = (
    "fact",
    "list",
    "paraphrase",
    "ocr",
    "no_diacritics",
    "english",
    "ukrainian",
    "multi_doc",
    "precedent",
    "short",  # a few words, as people type them ("Co z mową nienawiści?")
)
KINDS = ANSWERABLE_KINDS + ("unanswerable",)


@dataclass(frozen=True)
class Question:
    """One evaluation question with its gold documents and key phrases."""

    id: str
    question: str
    kind: str
    lang: str
    answerable: bool
    gold_docs: tuple[str, ...] = ()
    key_phrases: tuple[str, ...] = ()
    key_facts: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False, hash=False)


def load_questions(path: Path = QUESTIONS_FILE) -> list[Question]:
    """All questions in ``path`` (JSON Lines)."""
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        raw = json.loads(line)
        questions.append(
            Question(
                id=raw["id"],
                question=raw["question"],
                kind=raw["kind"],
                lang=raw.get("lang", "pl"),
                answerable=bool(raw.get("answerable", True)),
                gold_docs=tuple(raw.get("gold_docs", ())),
                key_phrases=tuple(raw.get("key_phrases", ())),
                key_facts=tuple(raw.get("key_facts", ())),
                extra={k: v for k, v in raw.items() if k not in Question.__dataclass_fields__},
            )
        )
    return questions


def folded(text: str) -> str:
    """Lower case, no diacritics, single spaces: how phrases and passages are compared."""
    return re.sub(r"\s+", " ", fold(text)).strip()


def doc_name(source: str) -> str:
    """The file name a path or document id refers to: gold documents are named by file name."""
    return Path(source).name


def doc_matches(source: str, question: Question) -> bool:
    """True when ``source`` (a path or document id) is one of the question's gold documents."""
    return doc_name(source) in question.gold_docs


def phrase_in(phrase: str, text: str) -> bool:
    """True when ``phrase`` occurs in ``text`` once both are folded."""
    return folded(phrase) in folded(text)


def passage_matches(text: str, source: str, question: Question) -> bool:
    """A correct passage: from a gold document and containing one of the key phrases."""
    if not doc_matches(source, question):
        return False
    haystack = folded(text)
    return any(folded(phrase) in haystack for phrase in question.key_phrases)


def passage_qrels(passages: Iterable[tuple[str, str, str]], questions: Iterable[Question]) -> dict[str, set[str]]:
    """Relevant passage ids per answerable question, from ``(id, source, text)`` of every passage
    of a system's index: the passages of a gold document that contain a key phrase."""
    passages = list(passages)
    return {q.id: {pid for pid, source, text in passages if passage_matches(text, source, q)} for q in questions if q.answerable}

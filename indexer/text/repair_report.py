"""How well the repair does: precision and recall on hand-checked word pairs, and each
document's share of unknown words before and after (``python -m indexer repair-report``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from indexer.text.repair import (
    DAMAGED_SHARE,
    WORDLIKE,
    DocumentContext,
    dehyphenate,
    fix_font_map,
    join_spaced_words,
    repair_text,
    unknown_share,
)


@dataclass
class PairScore:
    """Precision and recall of the repair on hand-checked damaged -> correct word pairs."""

    pairs: int
    damaged: int
    changed: int
    changed_right: int
    repaired_right: int
    failures: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.changed_right / self.changed if self.changed else 1.0

    @property
    def recall(self) -> float:
        return self.repaired_right / self.damaged if self.damaged else 1.0


def _target_token(text: str, index: int) -> str:
    tokens = text.split()
    return tokens[index].strip(".,;:()„”\"'[]") if index < len(tokens) else ""


def score_pairs(pairs: list[dict], contexts: dict[str, DocumentContext]) -> PairScore:
    """Repair each pair's context as part of its document; a pair is right when its damaged
    word became the correct one (for a clean pair: stayed as it was)."""
    score = PairScore(len(pairs), 0, 0, 0, 0)
    for pair in pairs:
        ctx = contexts.get(pair["doc"], DocumentContext(True, Counter()))
        context, damaged, correct = pair["context"], pair["damaged"], pair["correct"]
        pos = context.rfind(damaged)
        index = len(context[:pos].split()) - (pos > 0 and not context[pos - 1].isspace())
        before = _target_token(context, index)
        correct = _target_token(correct, 0) if " " not in correct else correct
        after = _target_token(repair_text(context, ctx.vocabulary, ctx.thorough).text, index)
        is_damaged = pair["damaged"] != pair["correct"]
        score.damaged += is_damaged
        if after != before:
            score.changed += 1
            score.changed_right += after == correct
        if is_damaged and after == correct:
            score.repaired_right += 1
        if after != correct:
            score.failures.append({**pair, "got": after})
    return score


@dataclass
class DocumentFigures:
    """Unknown-word share of one document before and after repair."""

    name: str
    words: int
    unknown_before: float
    unknown_after: float
    changes: int
    thorough: bool


def document_figures(name: str, text: str) -> DocumentFigures:
    """How damaged ``text`` is (share of words the dictionary does not know), before and after."""
    result = repair_text(text)
    words = sum(1 for w in WORDLIKE.findall(text) if sum(ch.isalpha() for ch in w) >= 2)
    thorough = unknown_share(dehyphenate(join_spaced_words(fix_font_map(text)))) >= DAMAGED_SHARE
    return DocumentFigures(name, words, unknown_share(text), unknown_share(result.text), len(result.changes), thorough)

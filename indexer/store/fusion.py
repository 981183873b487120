"""Score fusion of the hybrid search: passage similarity, best-sentence similarity and BM25.

Each list's scores are min-max normalised over the candidates the search found, then summed
with weights. The best sentence counts as much as the whole passage: a question usually asks
about one statement, and a long passage's single vector blurs it. The lexical list counts
half as much, scaled by how much of the query the index vocabulary knows (see
:meth:`assistant.retrieval.retriever.Retriever.lexical_weight`). Against reciprocal rank fusion of the
passage and lexical lists this raised passage MRR@10 on the evaluation questions from 0.775
to about 0.82, and by 0.03–0.05 on held-out halves when the weights were chosen on the other
half (``python -m eval`` reports both side by side; the RRF variant is an ablation).
"""

from __future__ import annotations

from collections.abc import Mapping

SENTENCE_SHARE = 0.5  # of the dense side: best sentence vs whole passage
LEXICAL_SCALE = 0.5  # the lexical list's weight at full vocabulary coverage


def minmax(scores: Mapping[str, float]) -> dict[str, float]:
    """Scores mapped onto [0, 1] (all 0 when they are equal)."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    span = hi - lo
    return {key: (value - lo) / span if span > 0 else 0.0 for key, value in scores.items()}


def fuse(
    dense: Mapping[str, float],
    sentences: Mapping[str, float],
    sparse: Mapping[str, float],
    lexical_weight: float = 1.0,
    sentence_share: float = SENTENCE_SHARE,
) -> list[tuple[str, float]]:
    """Candidates (the keys of ``dense``) with their fused scores, best first; a candidate
    missing from a list gets that list's lowest normalised score (0)."""
    d, s, x = minmax(dense), minmax(sentences), minmax(sparse)
    if not sentences:
        sentence_share = 0.0
    fused = {
        key: (1.0 - sentence_share) * d[key] + sentence_share * s.get(key, 0.0)
        + LEXICAL_SCALE * lexical_weight * x.get(key, 0.0)
        for key in d
    }
    return sorted(fused.items(), key=lambda item: -item[1])

"""List answers: every matching item across documents, grouped by document, oldest first; for
postulate questions the postulate records with the city's responses."""

from __future__ import annotations

import re
from collections import OrderedDict
from typing import Any

import numpy as np

from assistant.answer.answer_types import organisations_in
from assistant.answer.candidates import SentenceCandidate
from assistant.answer.citations import Answer, _CitationBuilder
from assistant.answer.records import (
    _asked_side,
    _asks_about_postulates,
    holds,
    on_topic,
    topic_stems,
)
from assistant.answer.terms import GENERIC_IDF, MIN_PASSAGES_FOR_RARITY
from assistant.question.analysis import dated_words
from assistant.question.analysis import event_years as _event_years
from assistant.question.analysis import of_year as _of_year
from assistant.retrieval.retriever import Hit
from indexer.documents.metadata import types_named
from indexer.store.schema import SearchFilters
from indexer.text import analyzer
from indexer.text.sentences import sentence_spans

LIST_DOCUMENTS = 2  # a list answer draws records from the documents of the two best passages


LIST_PASSAGE_MARGIN = 0.04


LIST_ITEM_MARGIN = 0.06


RECORD_MARGIN = 0.05


STRAY_LINE = 40  # the longest line that may interrupt a numbered list without ending it


def _item_number(sentence: str) -> int | None:
    """The number of a numbered list item ("- 14) promocji …", "15. kultury …"), else None."""
    match = re.match(r"\s*(?:[-•–]\s*)?(\d{1,2})[.)]\s", sentence)
    return int(match.group(1)) if match else None


_LIST_MARKER = re.compile(r"\s*(?:[-•–▪●*]\s+|\d{1,2}[.)]\s|[a-z]\)\s)")


def _whole_runs(group: list[SentenceCandidate], take: list[SentenceCandidate]) -> list[SentenceCandidate]:
    """The taken items of a passage with every item of their list from the first taken one to
    the list's end: an agenda of eleven points is not shown as six with the third missing."""
    ordered = sorted(group, key=lambda c: c.start)
    chosen = {id(c) for c in take}
    out = {id(c): c for c in take}
    for i, cand in enumerate(ordered):
        if id(cand) not in chosen or not _LIST_MARKER.match(cand.text):
            continue
        for nxt in ordered[i + 1 :]:
            if not _LIST_MARKER.match(nxt.text):
                break
            out[id(nxt)] = nxt
    return sorted(out.values(), key=lambda c: c.start)


def _covers_as_well(group: list[SentenceCandidate], lead: list[SentenceCandidate]) -> bool:
    """A passage's best sentence (with its neighbours and headings) holds at least as much of the
    question's words as the best passage's does."""
    return max(c.window_coverage for c in group) >= max(c.window_coverage for c in lead)


def _by_document(items: list[Any], hit_of: Any) -> list[list[Any]]:
    """Items grouped by document, documents ordered by date (oldest first), items in text order."""
    groups: OrderedDict[str, list[Any]] = OrderedDict()
    for item in sorted(items, key=lambda x: (hit_of(x).date or "", hit_of(x).doc_id, hit_of(x).chunk_no, getattr(x, "start", 0))):
        groups.setdefault(hit_of(item).doc_id, []).append(item)
    return list(groups.values())


def _organisation_of(cand: SentenceCandidate) -> str:
    """Who an item belongs to: a record's organisation, one named in the item, or its section."""
    payload = cand.hit.payload or {}
    if payload.get("organisation"):
        return str(payload["organisation"])
    named = organisations_in(cand.text)
    if named:
        return named[0]
    for heading in reversed(cand.hit.heading_path or []):
        named = organisations_in(heading)
        if named:
            return named[0]
    return ""


def list_answer(answerer: Any, gathered: Any, lang: str) -> Answer:
    """Every matching item across documents: bullets grouped by document, oldest first, each
    with its organisation and date and ``[n]``. Postulate questions list postulate records
    (with the city's response) when the index has them."""
    if answerer.rules.record_lists and _asks_about_postulates(gathered.info):
        records = postulate_records(answerer, gathered)
        if records:
            mentions = topic_mentions(answerer, gathered, records) if answerer.rules.postulate_mentions else []
            return records_answer(answerer, records, mentions)
    items = list_items(answerer, gathered)
    builder = _CitationBuilder()
    lines: list[str] = []
    for group in _by_document(items, lambda c: c.hit):
        head = group[0].hit
        lines.append(f"{head.title} ({head.date or '—'}):")
        for cand in group:
            n = builder.cite(cand.hit, cand.start, cand.end)
            tail = ", ".join(x for x in (_organisation_of(cand), cand.hit.date or "") if x)
            lines.append(f"- {cand.text} ({tail}) [{n}]" if tail else f"- {cand.text} [{n}]")
    return Answer("\n".join(lines), False, builder.citations)


def list_items(answerer: Any, gathered: Any, max_passages: int = 4, max_items: int = 24) -> list[SentenceCandidate]:
    """The passages that answer (close to the best one, and holding as many of the question's
    words: a list is not padded with loosely related passages) and, in each, the items that
    match; an enumeration (a list of short items) is kept whole."""
    candidates = gathered.candidates
    years = _event_years(gathered.question)
    of_years = [c for c in candidates if any(_of_year(c.hit, y) for y in years)]
    if of_years and answerer.rules.list_of_year_and_type:  # "według programu z 2011 r.": items from documents of that year
        candidates = of_years
        # ... and of the kind the question names, when that year has several ("program z
        # 2011", not the 2011 meeting note); a question naming two kinds keeps both
        named = types_named(dated_words(gathered.question))
        of_type = [c for c in candidates if c.hit.type in named]
        if len(named) == 1 and of_type:
            candidates = of_type
    by_passage: OrderedDict[str, list[SentenceCandidate]] = OrderedDict()
    for cand in candidates:
        by_passage.setdefault(cand.hit.id, []).append(cand)
    best = max(c.score for c in candidates)
    ranked = sorted(by_passage.values(), key=lambda cs: max(c.score for c in cs), reverse=True)
    kept = [cs for cs in ranked if max(c.score for c in cs) >= best - LIST_PASSAGE_MARGIN][:max_passages]
    kept = kept[:1] + [cs for cs in kept[1:] if _covers_as_well(cs, kept[0])]
    items: list[SentenceCandidate] = []
    seen: set[str] = set()
    for group in kept:
        top = max(c.score for c in group)
        listed = [c for c in group if len(c.text) <= 220]
        enumeration = len(listed) >= 3 and len(listed) >= len(group) - 1
        take = group if enumeration else [c for c in group if c.score >= top - LIST_ITEM_MARGIN]
        if answerer.rules.whole_list_runs and not enumeration:
            take = _whole_runs(group, take)
        if answerer.rules.list_continuation and (enumeration or any(c.text.rstrip().endswith(":") for c in take)):
            take = take + continuation(answerer, group[0].hit, {c.hit.id for g in kept for c in g})
        for cand in sorted(take, key=lambda c: c.start):
            key = analyzer.fold(cand.text)
            if key not in seen:
                seen.add(key)
                items.append(cand)
    return items[:max_items]


def continuation(answerer: Any, hit: Hit, have: set[str]) -> list[SentenceCandidate]:
    """The items of the next passage of the same document when it continues an enumeration
    ("… 9) wypoczynku dzieci i młodzieży;" then "10) kultury, sztuki…")."""
    filters = SearchFilters(doc_ids=(hit.doc_id,), kinds=("passage",))
    with answerer.retriever._lock:
        following = [p for p in answerer.retriever.store.scroll(filters) if p.payload.get("chunk_no") == hit.chunk_no + 1]
    if not following:
        return []
    nxt = Hit.from_stored(hit.rank, following[0])
    if nxt.id in have or _item_number(nxt.text) is None:
        return []
    out = []
    spans = sentence_spans(nxt.text)
    numbers = [_item_number(nxt.text[s:e]) for s, e in spans]
    for i, (start, end) in enumerate(spans):
        if numbers[i] is None:
            # a short stray line inside the list (a page's logo: "Magiczny Kraków") is
            # skipped when the numbering goes on after it; otherwise the enumeration ends
            last = next((n for n in reversed(numbers[:i]) if n is not None), None)
            after = numbers[i + 1] if i + 1 < len(numbers) else None
            if end - start <= STRAY_LINE and last is not None and after == last + 1:
                continue
            break
        out.append(SentenceCandidate(nxt, start, end, 0.0, frozenset(analyzer.terms(nxt.text[start:end]))))
    return out


def postulate_records(answerer: Any, gathered: Any, k: int = 12) -> list[Hit]:
    """Postulate records of the documents the question is about (those of its best passages),
    close to the question (similarity within a margin of the best)."""
    documents = tuple(dict.fromkeys(h.doc_id for h in gathered.hits[:LIST_DOCUMENTS]))
    years = _event_years(gathered.question)
    dated = tuple(dict.fromkeys(h.doc_id for h in gathered.hits if (h.date or "")[:4] in years))
    if dated:  # "na spotkaniu … w marcu 2026": the documents of that year
        documents = dated
    filters = SearchFilters(kinds=("postulate",), doc_ids=documents)
    hits = answerer.retriever.search(gathered.question, k=k, filters=filters)
    if not hits:
        return []
    q_vec = np.asarray(answerer.retriever.embedder.encode_queries([gathered.question])[0])
    vectors = np.asarray(answerer.retriever.embedder.encode_passages([h.text for h in hits]))
    sims = vectors @ q_vec
    top = float(sims.max())
    close = [h for h, s in zip(hits, sims) if s >= top - RECORD_MARGIN]
    if answerer.rules.records_on_topic and answerer.term_stats.n_docs >= MIN_PASSAGES_FOR_RARITY:  # else every word looks rare
        rare = [f.word for f in gathered.evidence.focus if f.known and f.weight >= GENERIC_IDF]
        close = on_topic(rare, close)
    side = _asked_side(gathered.info) if answerer.rules.records_side else None
    if side:  # "Jakie deklaracje złożyło miasto": records with a recorded response
        close = [h for h in close if (h.payload or {}).get(side)] or close
    return close


def topic_mentions(answerer: Any, gathered: Any, records: list[Hit]) -> list[SentenceCandidate]:
    """For a postulate question on a topic ("…dotyczyły polityki lokalowej?"), the best
    sentence on that topic of each other retrieved document: notes and news raise
    postulates in their text, without records (a 2011 meeting note on premises)."""
    rare = [f.word for f in gathered.evidence.focus if f.known and f.weight >= GENERIC_IDF]
    stems = topic_stems(rare)
    if not stems or answerer.term_stats.n_docs < MIN_PASSAGES_FOR_RARITY or _event_years(gathered.question):
        return []  # a question about one meeting or year asks for its records only
    covered = {r.doc_id for r in records}
    best: dict[str, SentenceCandidate] = {}
    for cand in gathered.candidates:
        if cand.hit.doc_id in covered or cand.features.get("non_answer"):
            continue
        lemmas = {analyzer.fold(lemma) for lemma in analyzer.text_lemmas(cand.text)}
        if not any(holds(lemmas, stem) for stem in stems):
            continue
        if cand.hit.doc_id not in best or cand.score > best[cand.hit.doc_id].score:
            best[cand.hit.doc_id] = cand
    return list(best.values())


def records_answer(answerer: Any, records: list[Hit], mentions: list[SentenceCandidate] | None = None) -> Answer:
    """Records (proposal and response, with organisation and date) and other documents'
    sentences on the topic, grouped by document, documents oldest first."""
    items: list[Any] = list(records) + list(mentions or [])
    builder = _CitationBuilder()
    lines: list[str] = []
    for group in _by_document(items, lambda x: x.hit if isinstance(x, SentenceCandidate) else x):
        head = group[0].hit if isinstance(group[0], SentenceCandidate) else group[0]
        lines.append(f"{head.title} ({head.date or '—'}):")
        for item in group:
            if isinstance(item, SentenceCandidate):
                lines.append(f"- {item.text} [{builder.cite(item.hit, item.start, item.end)}]")
                continue
            hit = item
            lines_of = [m for m in re.finditer(r"[^\n]+", hit.text) if m.group(0).strip()]
            start, end = (lines_of[0].start(), lines_of[-1].end()) if lines_of else (0, len(hit.text))
            n = builder.cite(hit, start, end)
            who = (hit.payload or {}).get("organisation") or (hit.payload or {}).get("unit") or ""
            text = " — ".join(" ".join(m.group(0).split()) for m in lines_of)
            tail = ", ".join(x for x in (str(who), hit.date or "") if x)
            lines.append(f"- {text} ({tail}) [{n}]" if tail else f"- {text} [{n}]")
    return Answer("\n".join(lines), False, builder.citations)

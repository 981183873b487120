"""Extractive answers: the sentences of the retrieved passages that answer the question, cited.

No LLM is needed: every sentence of an answer is a verbatim span of a retrieved passage,
followed by ``[n]``; the numbered citations carry document, date, page and the quote. A fact
question gets the sentence(s) that answer it; a list question ("Które postulaty…") gets a
bulleted list of every matching item, grouped by document and ordered by date. When the
evidence is weak (a logistic model over a few signals, calibrated on the evaluation questions,
see :mod:`assistant.answer.evidence`) the assistant says so and lists the closest documents instead.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.answer.abstention import AbstentionModel
from assistant.answer.answer_types import answer_type_found
from assistant.answer.citations import (
    Answer,
    _CitationBuilder,
    _closest_documents,
    abstention,
)
from assistant.answer.evidence import (
    Evidence,
    SentenceCandidate,
    TermStats,
    evidence_of,
    rule_reasons,
)
from assistant.answer.lists import list_answer
from assistant.answer.records import (
    REPLY_LEMMAS,
    _asked_side,
)
from assistant.answer.rules import DEFAULT_RULES, AnswerRules
from assistant.answer.scorer import CandidateScorer
from assistant.generation.verification import gives_orders
from assistant.messages import message
from assistant.question.analysis import (
    QuestionInfo,
    analyse_question,
)
from assistant.question.analysis import (
    event_years as _event_years,
)
from assistant.question.analysis import (
    of_year as _of_year,
)
from assistant.retrieval.retriever import Hit, Retriever
from indexer.store.schema import SearchFilters, SearchRequest
from indexer.text import analyzer
from indexer.text.analyzer import SparseTerms
from indexer.text.repair import repair_query
from indexer.text.sentences import sentence_spans

logger = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")
DEFAULT_CALIBRATION: dict[str, Any] = {"min_evidence": 0.5}

PASSAGES_FOR_SENTENCES = 5


@dataclass
class Gathered:
    """Everything retrieved and measured for one question, before deciding how to answer: the
    repaired question and its vector (embedded once), the passages, the candidate sentences,
    then (:meth:`Answerer.assess`) their features and scores, the evidence and the decision."""

    question: str
    info: QuestionInfo
    hits: list[Hit]
    candidates: list[SentenceCandidate]
    evidence: Evidence
    probability: float
    reasons: list[str] = field(default_factory=list)  # checks that failed (abstain regardless)
    q_vec: np.ndarray | None = field(default=None, repr=False)
    passage_similarity: float = 0.0


def load_calibration(path: Path = CALIBRATION_FILE) -> dict[str, Any]:
    """The abstention model and thresholds fitted by ``python -m eval.answers fit``."""
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

    def __init__(self, retriever: Retriever, calibration: dict[str, Any] | None = None, rules: AnswerRules = DEFAULT_RULES) -> None:
        self.retriever = retriever
        self.calibration = calibration or load_calibration()
        self.rules = rules
        self._stats: TermStats | None = None
        self._sentences: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- evidence

    @property
    def term_stats(self) -> TermStats:
        """Document frequencies of the index terms (read once from the store)."""
        if self._stats is None:
            with self.retriever._lock:
                self._stats = TermStats.from_store(self.retriever.store)
        return self._stats

    @property
    def scorer(self) -> CandidateScorer:
        """The fitted answer-sentence scorer, else the hand weights."""
        return CandidateScorer.from_json(self.calibration.get("scorer"))

    @property
    def model(self) -> AbstentionModel | None:
        data = self.calibration.get("abstention")
        return AbstentionModel.from_json(data) if data else None

    @property
    def threshold(self) -> float:
        return float(self.calibration.get("min_evidence", 0.5))

    def probability(self, features: dict[str, float]) -> float:
        """P(the documents answer the question) from the evidence features."""
        model = self.model
        if model is None:  # not calibrated: fall back on the best sentence's similarity
            return float(features.get("dense", 0.0))
        return model.probability(features)

    def decide(self, features: dict[str, float]) -> tuple[float, list[str]]:
        """The probability that the documents answer, and the checks that rule it out."""
        reasons = rule_reasons(features, self.rules) if self.calibration.get("rules", True) else []
        return (0.0 if reasons else self.probability(features)), reasons

    def _sentence_vectors(self, hits: list[Hit]) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        """Sentence spans and embeddings of each passage: the index's own (stored with the
        passage, same spans), else embedded now; cached, as passages recur across questions."""
        missing = [h for h in hits if h.id not in self._sentences]
        if missing:
            with self.retriever._lock:
                stored = self.retriever.store.sentence_vectors([h.id for h in missing])
            for h in missing:
                spans = sentence_spans(h.text)
                rows = stored.get(h.id)
                if spans and rows is not None and len(rows) >= len(spans) and h.payload.get("sentences") == [list(s) for s in spans]:
                    with self._lock:
                        self._sentences[h.id] = (spans, np.asarray(rows[: len(spans)], dtype=np.float32))
            missing = [h for h in missing if h.id not in self._sentences]
        if missing:
            spans_of = [sentence_spans(h.text) for h in missing]
            texts = [h.text[a:b] for h, sp in zip(missing, spans_of) for a, b in sp]
            vectors = np.asarray(self.retriever.embedder.encode_passages(texts)) if texts else np.zeros((0, 1))
            at = 0
            with self._lock:
                for h, sp in zip(missing, spans_of):
                    self._sentences[h.id] = (sp, vectors[at : at + len(sp)])
                    at += len(sp)
                while len(self._sentences) > 4096:
                    self._sentences.popitem(last=False)
        with self._lock:
            return [self._sentences[h.id] for h in hits]

    def _best_passage_similarity(self, q_vec: np.ndarray, filters: SearchFilters | None) -> float:
        """Cosine of the question to the closest passage of the index (how on-topic it is)."""
        request = SearchRequest(
            dense=[float(x) for x in q_vec],
            sparse=SparseTerms([], []),
            limit=1,
            mode="dense",
            filters=SearchFilters(kinds=("passage",), date_from=filters.date_from, date_to=filters.date_to, types=filters.types, doc_ids=filters.doc_ids)
            if filters
            else SearchFilters(kinds=("passage",)),
        )
        with self.retriever._lock:
            found = self.retriever.store.search(request)
        return float(found[0].score) if found else 0.0

    def _year_hits(self, question: str, info: QuestionInfo, hits: list[Hit], filters: SearchFilters | None, per_year: int = 4) -> list[Hit]:
        """For each year that dates what the question asks about ("w 2011 i w 2025", "według
        programu z 2011 r.") and that fewer than two of the best passages belong to, the best
        passages of documents of that year (dated that year or the next, or naming it in the
        title: a report on 2019 is dated 2020). A question spanning documents needs each of them."""
        years = _event_years(question)
        if not years or not hits:
            return []
        seen = {h.id for h in hits}
        out: list[Hit] = []
        for year in years:
            if sum(_of_year(h, year) for h in hits[:PASSAGES_FOR_SENTENCES]) >= 2:
                continue
            base = filters or SearchFilters()
            lo, hi = f"{year}-01-01", f"{int(year) + 1}-12-31"
            if (base.date_from and base.date_from > hi) or (base.date_to and base.date_to < lo):
                continue
            bounded = replace(base, date_from=max(lo, base.date_from or lo), date_to=min(hi, base.date_to or hi))
            for hit in self.retriever.search(question, k=per_year, filters=bounded):
                if hit.id not in seen:
                    seen.add(hit.id)
                    out.append(replace(hit, rank=len(hits) + len(out) + 1))
        return out

    def gather(self, question: str, filters: SearchFilters | None = None, k: int = 8) -> Gathered:
        """Retrieve passages for ``question`` and measure how well their sentences answer it."""
        return self.assess(self.candidates(question, filters, k))

    def candidates(self, question: str, filters: SearchFilters | None = None, k: int = 8) -> Gathered:
        """The first stages: the question repaired and embedded once, its passages retrieved,
        their sentences as candidates (not yet scored)."""
        question = repair_query(question)  # "ile osob bylo" is read, embedded and matched as "ile osób było"
        info = analyse_question(question)
        hits = self.retriever.search(question, k=k, filters=filters)
        extra = self._year_hits(question, info, hits, filters) if self.rules.year_passages else []
        top = hits[:PASSAGES_FOR_SENTENCES] + extra
        hits = hits + extra
        candidates: list[SentenceCandidate] = []
        q_vec = np.asarray(self.retriever.embedder.encode_queries([question])[0])
        if top:
            for hit, (spans, vectors) in zip(top, self._sentence_vectors(top)):
                cos = vectors @ q_vec if len(spans) else []
                for (s, e), c in zip(spans, cos):
                    if gives_orders(hit.text[s:e]):
                        continue  # untrusted text addressing the assistant is never an answer
                    if self.rules.skip_headings and _is_heading(hit.text[s:e], hit):
                        continue  # a document's title or heading names the topic, it answers nothing
                    terms = frozenset(analyzer.terms(hit.text[s:e]))
                    candidates.append(SentenceCandidate(hit, s, e, float(c), terms))
        similarity = self._best_passage_similarity(q_vec, filters)
        return Gathered(question, info, hits, candidates, Evidence({}, None), 0.0, [], q_vec, similarity)

    def assess(self, gathered: Gathered) -> Gathered:
        """The last stages before answering: candidate features and scores (the fitted scorer),
        the evidence, the rules' vetoes and the abstention model's probability. Cheap: it can be
        run again under another calibration or rule set (the evaluation's cross-validation)."""
        evidence = evidence_of(
            gathered.info,
            gathered.hits,
            gathered.candidates,
            self.term_stats,
            gathered.q_vec,
            gathered.passage_similarity,
            self.scorer,
            self.rules,
        )
        probability, reasons = self.decide(evidence.features)
        return replace(gathered, evidence=evidence, probability=probability, reasons=reasons)

    # ---------------------------------------------------------------- answers

    def ask(
        self,
        question: str,
        filters: SearchFilters | None = None,
        lang: str = "pl",
        k: int = 8,
        max_sentences: int = 2,
    ) -> Answer:
        """Answer ``question`` from the documents, citing each sentence, or abstain."""
        question = question.strip()
        if not question:
            return Answer(message("empty_question", lang), True, [])
        gathered = self.gather(question, filters, k)
        return self.answer_from(gathered, lang, max_sentences)

    def answer_from(self, gathered: Gathered, lang: str = "pl", max_sentences: int = 2, allow_abstention: bool = True) -> Answer:
        """The extractive answer (or abstention) for what :meth:`gather` found."""
        hits, candidates = gathered.hits, gathered.candidates
        closest = _closest_documents(hits)
        features = gathered.evidence.features
        weak = gathered.reasons or gathered.probability < self.threshold
        if not hits or not candidates or (allow_abstention and weak):
            return abstention(lang, closest, gathered.probability, hits, features)
        if gathered.info.is_list:
            answer = list_answer(self, gathered, lang)
        else:
            answer = self._fact_answer(gathered, max_sentences)
        answer.evidence = gathered.probability
        answer.closest = closest
        answer.hits = hits
        answer.features = features
        return answer

    def _fact_answer(self, gathered: Gathered, max_sentences: int) -> Answer:
        """The best sentence, plus a close second when it adds to the answer."""
        ranked = sorted(gathered.candidates, key=lambda c: c.score, reverse=True)
        best = gathered.evidence.support or ranked[0]
        chosen = [best]
        years = [n for n in gathered.info.numerals if re.fullmatch(r"(19|20)\d\d", n)]
        if len(years) >= 2 and self.rules.per_year_sentences:
            # "Jak w 2011 i w 2025…": the best sentence from a document of each year asked about
            for year in years:
                if any(_of_year(c.hit, year) for c in chosen):
                    continue
                same_year = [c for c in ranked if _of_year(c.hit, year) and c.score >= best.score - 0.08]
                if same_year:
                    chosen.append(same_year[0])
        elif self.rules.second_sentence:
            # a close second sentence of the same passage when it adds words of the question
            covered = {t for f in gathered.evidence.focus if f.terms & best.terms for t in f.terms}
            answered = gathered.info.answer_type and best.type_score >= 1.0
            for cand in ranked[:6] if best.coverage < 0.5 and not answered else []:
                if len(chosen) >= max_sentences or cand.score < best.score - 0.025:
                    break
                if cand is best or cand.hit.id != best.hit.id:
                    continue
                adds = any(f.terms & cand.terms and not f.terms & covered for f in gathered.evidence.focus)
                if adds and cand.type_score >= best.type_score:
                    chosen.append(cand)
        reply = _reply_after(best, gathered) if self.rules.reply_after else None
        if reply is not None and reply not in chosen:
            chosen.append(reply)
        chosen.sort(key=lambda c: (c.hit.rank, c.start))
        builder = _CitationBuilder()
        parts = []
        for cand in chosen:
            start, end = _trimmed(cand, gathered) if self.rules.trim_long_sentences else (cand.start, cand.end)
            who = _speaker_line(cand, gathered.info)
            parts.append(f"{who}{cand.hit.text[start:end]} [{builder.cite(cand.hit, start, end)}]")
        return Answer("\n".join(parts), False, builder.citations)


LONG_SENTENCE = 300


def _trimmed(cand: SentenceCandidate, gathered: Gathered) -> tuple[int, int]:
    """A long sentence cut after the last clause (up to a ``;`` or ``:``) that holds a word of
    the question or the kind of answer asked for: still a verbatim span, without the tail of an
    enumeration that answers nothing."""
    text = cand.hit.text
    if cand.end - cand.start <= LONG_SENTENCE:
        return cand.start, cand.end
    cuts = [m.end() for m in re.finditer(r"[;:](?=\s)", text[cand.start : cand.end])]
    if not cuts:
        return cand.start, cand.end
    focus = gathered.evidence.focus
    end = None
    begin = cand.start
    typed = bool(gathered.info.answer_type)
    for cut in cuts + [cand.end - cand.start]:
        clause = text[begin : cand.start + cut]
        if typed:  # up to the clause that holds the asked-for answer
            if answer_type_found(text[cand.start : cand.start + cut], gathered.info) >= 1.0:
                end = cand.start + cut
                break
        elif any(f.terms & set(analyzer.terms(clause)) for f in focus if f.weight >= 1.0):
            end = cand.start + cut
        begin = cand.start + cut
    end = end or cand.start + cuts[0]
    while end > cand.start and text[end - 1] in ";: ":
        end -= 1
    return cand.start, end


def _reply_after(best: SentenceCandidate, gathered: Gathered) -> SentenceCandidate | None:
    """For "Co miasto zadeklarowało w sprawie…" whose best sentence states the matter raised
    ("…kwestia przywrócenia funduszu wkładów własnych…"), the next sentence of the same
    passage when it is the city's reply ("Miasto zapowiedziało analizę…")."""
    if _asked_side(gathered.info) != "response" or _states_reply(best.text):
        return None
    following = sorted((c for c in gathered.candidates if c.hit.id == best.hit.id and c.start >= best.end), key=lambda c: c.start)
    return following[0] if following and _states_reply(following[0].text) else None


def _states_reply(sentence: str) -> bool:
    return bool(analyzer.text_lemmas(sentence) & REPLY_LEMMAS)


def _speaker_line(cand: SentenceCandidate, info: QuestionInfo) -> str:
    """ "Fundacja Popatrz Sercem: " before the quote when the section heading says who the
    question asks for: the sentence itself names nobody, or the question asks who proposed
    it (the names in a record's text are those of the answering side)."""
    if not cand.speaker:
        return ""
    if answer_type_found(cand.text, info) >= 1.0 and _asked_side(info) != "postulate":
        return ""  # "Notatkę sporządziły: Agata Młynarska, …" names them itself
    return re.sub(r"^\s*\d{1,2}[.)]\s*", "", cand.speaker) + ": "


def _is_heading(sentence: str, hit: Hit) -> bool:
    """True when ``sentence`` repeats the document's title or one of the passage's headings."""
    folded = analyzer.fold(" ".join(sentence.split()))
    for heading in [hit.title or "", *(hit.heading_path or [])]:
        h = analyzer.fold(" ".join(heading.split()))
        if h and (folded == h or (len(folded) >= 20 and folded in h)):
            return True
    return False

"""The evaluation suite: a sound question set, metrics that mean what they say, and the full run."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from eval.gold import ANSWERABLE_KINDS, KINDS, folded, load_questions, passage_qrels

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
QUESTIONS = load_questions()


def _prepared_documents() -> dict[str, str]:
    """Each corpus file's text as the indexer prepares it (headings and passages), folded."""
    from indexer import passages as prep
    from indexer.discovery import discover
    from indexer.documents.loaders import load
    from indexer.documents.metadata import read_manifest

    files, _ = discover([CORPUS])
    manifest = read_manifest(CORPUS)
    texts = {}
    for path in files:
        raw = load(path, 50 * 1024 * 1024)
        passages = prep.passages_of(raw, path.name, prep.describe(raw, manifest.get(path.name)))
        texts[path.name] = folded(" ".join(" ".join([*p.heading_path, p.text]) for p in passages))
    return texts


def test_question_set_covers_every_kind_the_issue_asks_for():
    assert len(QUESTIONS) >= 120
    assert len({q.id for q in QUESTIONS}) == len(QUESTIONS)
    kinds = Counter(q.kind for q in QUESTIONS)
    assert set(kinds) == set(KINDS), kinds
    assert kinds["unanswerable"] >= 15
    assert all(kinds[kind] >= 10 for kind in ANSWERABLE_KINDS), kinds
    assert {"pl", "en", "uk"} <= {q.lang for q in QUESTIONS}
    corpus_files = {p.name for p in CORPUS.iterdir()}
    for q in QUESTIONS:
        assert q.answerable == (q.kind != "unanswerable"), q.id
        if q.answerable:
            assert q.gold_docs and q.key_phrases and q.key_facts, q.id
            assert set(q.gold_docs) <= corpus_files, q.id
        else:
            assert not q.gold_docs and not q.key_phrases, q.id
    assert all(len(q.gold_docs) >= 2 for q in QUESTIONS if q.kind == "multi_doc")


def test_every_gold_phrase_occurs_in_its_gold_document():
    """Hygiene: a phrase the corpus (as the indexer prepares it) no longer contains fails here."""
    documents = _prepared_documents()
    missing = [
        (q.id, phrase)
        for q in QUESTIONS
        for phrase in q.key_phrases
        if not any(folded(phrase) in documents[doc] for doc in q.gold_docs)
    ]
    assert not missing


def test_every_gold_phrase_lies_within_one_indexed_passage(retriever):
    """Passage-level judgements need each key phrase inside a single passage of a gold document."""
    from eval.systems import IndexSystem

    # a passage is judged as the reader sees it: its section headings, then its text
    passages = [(p.doc, folded(p.text)) for p in IndexSystem("ours", "ours", retriever).passages()]
    split = [
        (q.id, phrase)
        for q in QUESTIONS
        for phrase in q.key_phrases
        if not any(doc in q.gold_docs and folded(phrase) in text for doc, text in passages)
    ]
    assert not split
    qrels = passage_qrels(((str(i), doc, text) for i, (doc, text) in enumerate(passages)), QUESTIONS)
    assert len(qrels) == sum(q.answerable for q in QUESTIONS) and all(qrels.values())


def test_retrieval_metrics_follow_trec_eval_definitions():
    from eval.metrics import per_question

    qrels = {"a": {"p2", "p7", "p9"}, "b": {"p1"}, "c": {"p1"}, "d": set()}
    run = {"a": ["p1", "p2", "p3", "p7"], "b": ["p1"], "c": [], "d": ["p1"]}
    scores = per_question(qrels, run, k=10)
    a = scores["a"]
    assert a["hit@1"] == 0 and a["hit@5"] == 1 and a["mrr@10"] == pytest.approx(0.5)
    assert a["recall@10"] == pytest.approx(2 / 3)
    ideal = 1 + 1 / 1.5849625 + 0.5  # three relevant at ranks 1-3
    assert a["ndcg@10"] == pytest.approx((1 / 1.5849625 + 1 / 2.3219281) / ideal, rel=1e-4)
    assert scores["b"] == dict.fromkeys(scores["b"], 1.0)
    # no results, or nothing relevant in the system's index: zero, not left out of the mean
    assert set(scores["c"].values()) == {0.0} and set(scores["d"].values()) == {0.0}


def test_aggregate_groups_by_kind_and_counts():
    from eval.metrics import aggregate, per_question

    qs = [q for q in QUESTIONS if q.kind in ("fact", "english")]
    scores = per_question({q.id: {q.gold_docs[0]} for q in qs}, {q.id: list(q.gold_docs) if q.kind == "fact" else [] for q in qs})
    summary = aggregate(scores, qs)
    assert summary["by_kind"]["fact"]["mrr@10"] == 1.0 and summary["by_kind"]["english"]["mrr@10"] == 0.0
    n_fact = summary["by_kind"]["fact"]["n"]
    assert summary["overall"]["n"] == len(qs)
    assert summary["overall"]["hit@1"] == pytest.approx(n_fact / len(qs))


def test_fixed_windows_keep_every_word_within_the_size():
    from eval.baselines import fixed_windows

    text = "Spotkanie   obyło się\nw sali szkoleniowej Referatu. " * 40
    windows = fixed_windows(text, 120)
    assert all(len(w) <= 120 for w in windows) and len(windows) > 10
    assert " ".join(windows).split() == text.split()


def test_key_fact_is_stated_despite_inflection_and_missing_diacritics():
    from eval.answer_metrics import fact_stated
    from indexer.text import analyzer

    answer = set(analyzer.terms("W spotkaniu uczestniczyło także 19 osób reprezentujących organizacje [1]"))
    assert fact_stated("19 osób", answer)
    assert fact_stated("19 osob reprezentujacych organizacje", answer)
    assert not fact_stated("20 osób z 12 organizacji", answer)


def test_check_fails_below_a_minimum_and_reports_losses():
    from eval.check import check, losses

    def block(mrr, hit5):
        return {"overall": {"mrr@10": mrr, "hit@5": hit5, "n": 3}, "by_kind": {"fact": {"mrr@10": mrr, "hit@5": hit5, "n": 3}}}
    results = {
        "systems": {
            "ours": {"passage": block(0.70, 0.9)},
            "tutorial": {"passage": block(0.60, 0.95)},
        },
        "answers": {"overall": {"false_abstention": 0.2}, "by_kind": {}},
    }
    ok = check(results, {"min": {"ours/passage/mrr@10": 0.7}, "ours_over": {"tutorial": {"passage/mrr@10": 0.05}}})
    assert ok.ok and ok.checked == 2
    bad = check(
        results,
        {
            "min": {"ours/passage/mrr@10": 0.75, "ours/passage/fact/hit@5": 0.8},
            "max": {"answers/false_abstention": 0.05},
            "ours_over": {"tutorial": {"passage/mrr@10": 0.2}},
        },
    )
    assert len(bad.failures) == 3 and not bad.ok
    assert [(x["kind"], x["metric"], x["system"]) for x in losses(results)] == [
        ("overall", "hit@5", "tutorial"), ("fact", "hit@5", "tutorial")
    ]


def test_full_evaluation_passes_its_check_and_writes_the_report(settings, corpus_index, tmp_path, capsys):
    """`python -m eval --check` on the session's index: every system and ablation side by side,
    the thresholds of eval/thresholds.json met, Markdown and PNG plots written and read back."""
    from eval.__main__ import main
    from eval.baselines import SYSTEMS
    from eval.report import latest_report

    code = main(["--check", "--index", str(settings.index_dir), "--out", str(tmp_path)])
    printed = capsys.readouterr()
    print(printed.out)
    assert code == 0, printed.err
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert list(results["systems"]) == list(SYSTEMS)
    assert results["check"]["ok"] and not results["check"]["skipped"]
    for res in results["systems"].values():
        assert res["passage"]["overall"]["n"] == sum(q.answerable for q in QUESTIONS)
        assert not res["no_relevant_passage"] or res["name"] != "ours"
    text, pngs = latest_report(tmp_path)
    assert all(label in text for label in SYSTEMS.values())
    assert "citation_precision" in text and "![" not in text
    assert [p.name for p in pngs] == ["systems.png", "by_kind_mrr.png", "by_kind_hit5.png", "latency.png", "answers.png"]
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert latest_report(tmp_path / "nothing-here") == ("", [])


def test_answer_metrics_judge_citations_facts_and_abstention():
    from types import SimpleNamespace as Obj

    from eval.answer_metrics import score_answer, summarize

    by_id = {q.id: q for q in QUESTIONS}
    q024, q149, q139 = by_id["q024"], by_id["q149"], by_id["q139"]  # heading fact, two documents, off-topic
    notes = "2011-07-27_notatka-zespol-wykluczenie-spoleczne.txt"
    housing = Obj(doc_id=notes, source=f"corpus/{notes}", passage="Aktualnie potrzeba 2000 lokali",
                  heading_path=["2. Wydział Mieszkalnictwa – p. Rafał Wojtasik kierownik Referatu Pomocy Mieszkaniowej"])
    other = Obj(doc_id=notes, source=notes, passage="UMK realizuje obecnie 15 programów profilaktycznych", heading_path=[])
    row = score_answer(q024, Obj(abstained=False, answer="Rafał Wojtasik, kierownik Referatu Pomocy Mieszkaniowej [1]",
                                 citations=[housing, other]))
    assert row["citation_precision"] == 0.5  # the speaker's name is in the first passage's heading
    assert row["citation_recall"] == 1.0 and row["key_fact_coverage"] == 1.0
    only_2011 = Obj(doc_id=notes, source=notes, passage="udział wzięło 20 osób, w tym: 15 osób reprezentujących 12 organizacji", heading_path=[])
    row = score_answer(q149, Obj(abstained=False, answer="15 osób reprezentujących 12 organizacji [1]", citations=[only_2011]))
    assert row["citation_precision"] == 1.0 and row["citation_recall"] == 0.5  # the 2025 meeting is not cited
    rows = {
        "q024": row | {"answerable": True},
        "q139": score_answer(q139, Obj(abstained=True, answer="Nie znalazłem…", citations=[])),
        "q149": score_answer(q149, Obj(abstained=True, answer="Nie znalazłem…", citations=[])),
    }
    summary = summarize(rows, [q024, q139, q149])["overall"]
    assert summary["abstention_recall"] == 1.0 and summary["abstention_precision"] == 0.5
    assert summary["false_abstention"] == 0.5 and summary["citation_recall"] == 0.25

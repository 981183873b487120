"""Search and the command-line contract on the shipped corpus, with the real model and engine."""

import json

import pytest

from eval.gold import folded

LOCAL_POLICY = "Które postulaty dotyczyły polityki lokalowej?"


def _texts(hits):
    return [folded(h.text) for h in hits]


def test_premises_policy_question_finds_the_forum_response(retriever):
    hits = retriever.search(LOCAL_POLICY, k=5)
    assert any("krakowskie forum lokalowe" in t for t in _texts(hits))


@pytest.mark.parametrize(
    "query, phrase",
    [
        ("polityka lokalowa", "polityki lokalowej"),
        ("dzialalnosc na rzecz osob niepelnosprawnych", "osob niepelnosprawnych"),
        ("ile mieszkan komunalnych jest w krakowie", "liczba mieszkan komunalnych"),
        ("How many municipal flats does Kraków have?", "liczba mieszkan komunalnych"),
        ("Коли запрацює Краківський житловий форум для громадських організацій?", "krakowskie forum lokalowe"),
        ("Скільки муніципальних квартир у Кракові?", "liczba mieszkan komunalnych"),
    ],
)
def test_queries_in_several_forms_find_the_passage(retriever, query, phrase):
    hits = retriever.search(query, k=5)
    assert any(phrase in t for t in _texts(hits)), [h.text[:80] for h in hits]


def test_search_cli_json_contract(settings, corpus_index, capsys):
    from assistant.__main__ import main

    assert main(["search", LOCAL_POLICY, "--k", "3", "--index", str(settings.index_dir), "--json"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert len(hits) == 3
    assert [h["rank"] for h in hits] == [1, 2, 3]
    for hit in hits:
        assert set(hit) >= {"rank", "score", "text", "source", "title", "date", "type", "page"}
        assert hit["source"].startswith("corpus/") or hit["source"].endswith((".txt", ".md"))


def test_search_batch_prints_one_json_line_per_query(settings, corpus_index, tmp_path, capsys):
    from assistant.__main__ import main

    queries = ["polityka lokalowa", "Ambasada Wielokulturowości", "profilaktyka uzależnień przedszkolaki"]
    batch = tmp_path / "queries.txt"
    batch.write_text("\n".join(queries) + "\n", encoding="utf-8")
    assert main(["search", "--batch", str(batch), "--k", "4", "--index", str(settings.index_dir), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(queries)
    results = [json.loads(line) for line in lines]
    assert all(len(r) == 4 for r in results)
    assert "wielokulturowosci" in folded(results[1][0]["text"] + results[1][1]["text"])


def test_hybrid_beats_dense_and_lexical_on_the_gold_questions(retriever):
    from eval.gold import load_questions
    from eval.metrics import run_retrieval

    questions = load_questions()
    mrr = {mode: run_retrieval(retriever, questions, mode)["passage"]["overall"]["mrr@10"] for mode in ("hybrid", "dense", "sparse")}
    print("passage MRR@10:", mrr)
    assert mrr["hybrid"] > mrr["dense"] and mrr["hybrid"] > mrr["sparse"]


@pytest.mark.parametrize(
    "typed, proper",
    [
        ("kto sporzadzil notatke ze spotkania zespolu o wykluczeniu spolecznym",
         "kto sporządził notatkę ze spotkania zespołu o wykluczeniu społecznym"),
        ("Co Wydziat odpowiedziat w sprawie zdrowia psychicznego mtodziezy?",
         "Co Wydział odpowiedział w sprawie zdrowia psychicznego młodzieży?"),
    ],
)
def test_queries_typed_without_polish_letters_or_damaged_rank_like_proper_ones(retriever, typed, proper):
    """The query is repaired before it is embedded, so the dense side sees what the documents say."""
    assert [h.id for h in retriever.search(typed, k=3)] == [h.id for h in retriever.search(proper, k=3)]


def test_best_sentence_lifts_a_passage_whose_one_sentence_answers(retriever):
    """A passage of bullet points answering in one of them ranks higher with sentence vectors
    than with its passage vector alone (the ablation): here across languages."""
    from eval.baselines import NoSentencesRetriever

    query = "Скільки соціальних закладів у Кракові вели організації?"
    without = NoSentencesRetriever(retriever.settings, store=retriever.store)

    def rank(hits):
        return next((h.rank for h in hits if "ponad 100 placowek" in folded(h.text)), 99)

    assert rank(retriever.search(query, k=10)) <= 3
    assert rank(retriever.search(query, k=10)) < rank(without.search(query, k=10))


def test_years_in_a_question_choose_documents_not_words(retriever):
    """A question dated by years is searched without them, and passages of documents of those
    years come first: both years' documents are among the best results."""
    from assistant.question.analysis import without_event_years

    question = "Co w 2011 i w 2025 roku mówiono o lokalach dla organizacji pozarządowych?"
    assert without_event_years(question) == "Co mówiono o lokalach dla organizacji pozarządowych?"
    assert without_event_years("Które postulaty zgłoszono do programu na 2026 rok?").endswith("na 2026 rok?")
    hits = retriever.search(question, k=4)
    years = {(h.date or "")[:4] for h in hits}
    assert {"2011", "2025"} <= years, [(h.date, h.text[:60]) for h in hits]
    assert all((h.date or "")[:4] in {"2011", "2025", "2026"} for h in hits)  # 2026: the year after 2025

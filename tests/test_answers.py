"""Extractive answers: cited, verbatim quotes, the JSON contract, and abstention."""

import json

from assistant.answering import sentence_spans


def test_answer_cites_verbatim_quotes(answerer):
    answer = answerer.ask("Co miasto odpowiedziało na postulat dotyczący lokali z zasobu Zarządu Budynków Komunalnych?")
    assert not answer.abstained
    assert "[1]" in answer.answer
    for citation in answer.citations:
        assert citation.quote and citation.quote in citation.passage
        assert f"[{citation.n}]" in answer.answer
    assert any("Forum Lokalowe" in c.passage for c in answer.citations)


def test_every_eval_question_gets_verbatim_quotes(answerer):
    from eval.gold import load_questions

    for q in load_questions()[::4]:
        answer = answerer.ask(q.question)
        for citation in answer.citations:
            assert citation.quote in citation.passage, q.id


def test_sentence_spans_do_not_cut_after_abbreviations():
    text = "Spotkanie odbyło się przy ul. Dekerta 24. Uczestniczyło np. 19 osób.\n• Drugi punkt listy"
    pieces = [text[s:e] for s, e in sentence_spans(text)]
    assert pieces == ["Spotkanie odbyło się przy ul. Dekerta 24.", "Uczestniczyło np. 19 osób.", "Drugi punkt listy"]


def test_ask_cli_json_contract(settings, corpus_index, capsys):
    from assistant.__main__ import main

    assert main(["ask", "Ile mieszkań komunalnych było w Krakowie w 2011 roku?", "--index", str(settings.index_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"answer", "abstained", "citations"}
    assert data["abstained"] is False
    assert data["citations"] and set(data["citations"][0]) >= {"n", "source", "title", "date", "page", "quote"}
    assert "20000" in data["answer"]


def test_off_topic_question_abstains_in_polish(answerer):
    answer = answerer.ask("Kto wygrał mistrzostwa świata w piłce nożnej w 2022 roku?")
    assert answer.abstained
    assert answer.answer.startswith("Nie znalazłem")
    assert not answer.citations and answer.closest

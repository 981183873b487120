"""Precedents: earlier postulates like a new one, with the city's responses, ordered by
similarity then date, from the library and the command line."""

import json

from assistant.precedents.search import (
    SIMILARITY_TIE,
    find_precedents,
    precedents,
    subject_of,
)


def test_subject_of_drops_the_question_frame():
    assert subject_of("Co miasto odpowiedziało na postulat zwiększenia dostępności lokali ZBK dla organizacji?") == (
        "zwiększenia dostępności lokali ZBK dla organizacji"
    )
    assert subject_of("Jak urząd odniósł się wcześniej do pomysłu centrum seniora dla migrantów?") == "centrum seniora dla migrantów"
    assert subject_of("Lokale dla NGO") == "Lokale dla NGO"


def test_premises_postulate_finds_the_forum_response(retriever):
    found = precedents(retriever, "Co miasto odpowiedziało na postulat zwiększenia dostępności lokali ZBK dla organizacji?", k=5)
    assert found
    top = found[0]
    assert "Forum Lokalowe" in (top.response or "") + top.postulate
    assert top.date == "2025-06-24" and top.source.endswith("2025-06-24_spotkanie-branzowe-wpsrz-rpw-2026.txt")
    if top.kind == "postulate":  # a record carries who asked and who answered
        assert "Probacja" in (top.organisation or "")
        assert top.response and top.unit


def test_precedents_agree_on_the_subjects_words(retriever):
    """e5 puts a postulate on funds as close to "lokale gminne" as one on premises; the records
    holding the word come first: both premises postulates (2011 and 2025) lead."""
    hits = find_precedents(retriever, "Prosimy o udostępnienie organizacjom lokali gminnych na preferencyjnych warunkach", k=4)
    assert len(hits) >= 3
    assert all("lokal" in (h.payload.get("postulate") or h.text) for h in hits[:2])
    assert {h.date for h in hits[:2]} == {"2011-07-27", "2025-06-24"}


def test_precedents_are_ordered_by_similarity_then_newest(retriever):
    hits = find_precedents(retriever, "środki finansowe dla organizacji pozarządowych", k=8)
    assert len(hits) >= 3
    keys = [(round(h.score / SIMILARITY_TIE), h.date or "") for h in hits]
    for (s1, d1), (s2, d2) in zip(keys, keys[1:]):
        assert s1 > s2 or (s1 == s2 and d1 >= d2)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))


def test_before_keeps_only_earlier_records(retriever):
    found = precedents(retriever, "lokale dla organizacji z zasobów gminy", k=5, before="2012-01-01")
    assert found and all(p.date and p.date <= "2012-01-01" for p in found)
    assert any("lokali" in p.postulate for p in found)  # the 2011 training postulate


def test_precedents_cli_json(settings, corpus_index, capsys):
    from assistant.__main__ import main

    text = "Organizacja prosi o osobną pulę na dostosowanie do standardów dostępności"
    assert main(["precedents", text, "--index", str(settings.index_dir), "--json", "--k", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert 1 <= len(data) <= 3
    assert set(data[0]) >= {"similarity", "postulate", "response", "organisation", "date", "title", "source", "page"}
    assert any("PFRON" in (d["response"] or "") + d["postulate"] for d in data)


def test_precedents_cli_text(settings, corpus_index, capsys):
    from assistant.__main__ import main

    assert main(["precedents", "przywrócenie funduszu wkładów własnych", "--index", str(settings.index_dir), "--k", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1. ") and "Postulat:" in out and "Odpowiedź" in out and "Źródło:" in out

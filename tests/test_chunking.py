"""Structure-aware chunks of the real corpus: sections, list items, table rows, the model's limit."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.documents.loaders import Page
from indexer.passages import MODEL_TOKEN_LIMIT, chunk_stats
from indexer.text import chunking

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
NOTES_2011 = "2011-07-27_notatka-zespol-wykluczenie-spoleczne.txt"
MINUTES_2025 = "2025-06-24_spotkanie-branzowe-wpsrz-rpw-2026.txt"


@pytest.fixture(scope="module")
def corpus_passages(prepared_corpus):
    return [p for p in prepared_corpus if p.kind == "passage"]


def _passage(passages, doc, phrase):
    return next(p for p in passages if p.doc_id == doc and phrase in p.text)


def test_every_chunk_fits_the_model(corpus_passages):
    stats = chunk_stats(corpus_passages)
    assert stats["chunks"] == len(corpus_passages)
    assert stats["over_limit"] == 0 and stats["max"] <= MODEL_TOKEN_LIMIT
    assert 0 < stats["min"] <= stats["median"] <= stats["max"]


def test_a_section_item_knows_its_section_and_document(corpus_passages):
    mops = _passage(corpus_passages, NOTES_2011, "Ponad 100 placówek")
    assert mops.heading_path[-1] == "1. MOPS – p. dyr. Józefa Grodecka"
    assert mops.heading_path[0].startswith("NOTATKA ZE SPOTKANIA ZESPOŁU BRANŻOWEGO DS. WYKLUCZENIA")
    context = mops.embedding_text().split("\n", 1)[0]
    assert "Notatka ze spotkania zespołu branżowego" in context and "2011-07-27" in context and "MOPS" in context
    # sections do not mix: the housing department's items are in other passages
    assert "Liczba mieszkań komunalnych" not in mops.text
    housing = _passage(corpus_passages, NOTES_2011, "Liczba mieszkań komunalnych")
    assert housing.heading_path[-1].startswith("2. Wydział Mieszkalnictwa")


def test_list_items_stay_whole_and_start_lines(corpus_passages):
    mops = _passage(corpus_passages, NOTES_2011, "Ponad 100 placówek")
    lines = mops.text.split("\n")
    assert lines[0].startswith("• Ponad 100 placówek pomocy społecznej")
    assert "aż 10 na 11 środowiskowych domów samopomocy" in lines[0]  # the item continues after a blank line
    assert all(line.startswith("•") for line in lines)


def test_table_rows_are_their_own_passages(corpus_passages):
    row = _passage(corpus_passages, MINUTES_2025, "Krakowskie Forum Lokalowe")
    assert row.heading_path[-1] == "3. Małopolskie Stowarzyszenie Probacja"
    assert row.heading_path[0].startswith("Propozycje/postulaty/wnioski i sugestie organizacji pozarządowych")
    assert "Fundacja Popatrz Sercem" not in row.text and "PFRON" not in row.text


def test_search_text_is_repaired_and_the_original_kept(corpus_passages):
    first = _passage(corpus_passages, MINUTES_2025, "W dniu 24 czerwca 2025")
    assert "spotkanie branżowe Wydziału Polityki Społecznej" in first.text
    assert "spotkanie branzowe Wydziatu Polityki Spotecznej" in first.payload()["original_text"]
    clean = _passage(corpus_passages, "2020-06-10_sprawozdanie-wspolpraca-ngo-2019.md", "Reymonta 20")
    assert "original_text" not in clean.payload()


def test_a_date_under_a_title_is_not_part_of_the_heading(corpus_passages):
    programme = _passage(corpus_passages, "2011-11-23_program-wspolpracy-drugie-czytanie.md", "Celem głównym")
    assert programme.heading_path == ("Współpraca miasta z organizacjami pozarządowymi",)


def test_long_paragraphs_are_cut_between_sentences():
    sentence = "Miasto realizuje zadania publiczne we współpracy z organizacjami pozarządowymi. "
    chunks = chunking.chunk_pages([Page(1, sentence * 40)])
    assert len(chunks) > 1
    assert all(len(c.text) <= chunking.MAX_CHARS for c in chunks)
    assert all(c.text.endswith(".") for c in chunks)


def test_a_list_cut_from_its_introduction_carries_it_as_lead(corpus_passages):
    """The 2025 minutes name the participating organisations in a passage of bare names; the
    sentence introducing them ends the previous passage and is embedded with the list."""
    names = _passage(corpus_passages, MINUTES_2025, "Fundacja Prodriver")
    assert "następujące organizacje pozarządowe" in names.meta["lead"]
    assert names.meta["lead"] not in names.text  # quoted text stays verbatim
    assert names.meta["lead"] in names.embedding_text()
    assert names.sentence_texts()[-1] == names.meta["lead"]
    assert not any(p.meta.get("lead") for p in corpus_passages if p.doc_id == NOTES_2011 and p.chunk_no == 0)

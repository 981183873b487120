"""Postulate records on the real corpus: the 2025 table rebuilt row by row, the 2011 notes'
postulates, the 2026 news prose, and ``python -m assistant postulates``."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from indexer.annotate import postulates
from indexer.documents import cleaning, metadata, tables
from indexer.text import repair
from indexer.text.analyzer import fold

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
MINUTES_2025 = CORPUS / "2025-06-24_spotkanie-branzowe-wpsrz-rpw-2026.txt"

# The table of the 2025 minutes as a person reads it in the PDF: organisation, proposal, the
# department's position. Row 5 runs over a page break: its last lines open page 2 as a row
# without a number, before the two unnumbered rows at the end.
ROWS_2025 = [
    (1, "Pełnomocnik Prezydenta Miasta Krakowa ds. Polityki Senioralnej",
     "Rozszerzenie sfer możliwych do wyboru przez NGOs w bazie NGO portalu internetowym www.ngo.krakow.pl",
     "Urząd Miasta Krakowa wystąpił do ACK Cyfronet z pytaniem o możliwość rozszerzenia funkcjonalności "
     "wyszukiwarki w Bazie Organizacji Pozarządowych"),
    (2, "Fundacja Popatrz Sercem",
     "Odrębne środki finansowe na dostosowanie dostępności dla NGOs",
     "W chwili obecnej możliwe jest pozyskiwanie środków finansowych w programach PFRON-u. Niezależnie od "
     "powyższego zostanie również dokonana analiza obowiązujących przepisów prawa oraz możliwości wsparcia "
     "organizacji pozarządowych w realizacji działań związanych z zapewnieniem dostępności."),
    (3, "Małopolskie Stowarzyszenie Probacja",
     "Zwiększenie dostępności lokalów z zasobu Zarządu Budynków Komunalnych w Krakowie",
     "Gmina Miejska Kraków realizując postulaty podmiotów trzeciego sektora w sprawie rewizji polityki "
     "lokalowej Gminy pod koniec czerwca br. rozpoczyna działanie pn. Krakowskie Forum Lokalowe, którego celem "
     "jest wspólne wypracowanie rozwiązań, poprawiających warunki funkcjonowania NGOs w Krakowie, zwiększenie "
     "transparentności polityki lokalowej oraz wzmocnienie współpracy między NGOs a Miastem."),
    (4, "Fundacja Inicjatyw Twórczych i Społeczno-Edukacyjnych Kurdybanek",
     "Zwiększenie ilości konkursów w zakresie profilaktyki uzależnień ukierunkowanych na dzieci w wieku przedszkolnym",
     "Zadania z zakresu profilaktyki uzależnień dla dzieci i młodzieży realizowane w ramach zadań Miejskiego "
     "Centrum Profilaktyki Uzależnień. Konkursy ogłaszane są w zależności od posiadanych środków"),
    (5, "Fundacja Zustricz",
     "Zwiększenie puli środków na wsparcie zdrowia psychicznego dla dzieci i młodzieży",
     "W trakcie opracowania jest Miejski Program Ochrony Zdrowia Psychicznego planowany na lata 2026-2030. "
     "Program będzie stanowił instrument strategicznego zarządzania Miastem w zakresie ochrony zdrowia "
     "psychicznego służący do ukierunkowywania i wdrażania działań w tym obszarze. Po analizie sytuacji "
     "demograficzno-epidemiologicznej Miasta zostanie podjęta próba diagnozy sektora związanego z ochroną "
     "zdrowia psychicznego oraz zostaną zaplanowane do realizacji działania operacyjne i projekty związane ze "
     "zdrowiem psychicznym,"),
    (None, "", "",
     "w tym zdrowiem psychicznym dzieci i młodzieży, w perspektywie do 2030 roku oraz zaplanowany zostanie "
     "budżet na te cele."),
    (None, "", "Utworzenie Centrum Aktywności Seniora ukierunkowanego na migrantów",
     "Organizacje mogą otworzyć Centrum Aktywności Seniora, którego członkami będą migranci. Ogłoszenie "
     "konkursowe tego nie zabrania. Warunkiem jest aby byli to mieszkańcy Krakowa."),
    (None, "", "Wyodrębnienie w programie współpracy zadań obligatoryjnych i fakultatywnych Gminy",
     "Wyodrębnianie w załącznikach finansowych „Programu Współpracy” zadań obligatoryjnych i fakultatywnych "
     "nie znajduje uzasadnienia. Zadania ujęte w uchwalonym „Programie Współpracy” niezależnie od ich "
     "charakteru są realizowane."),
]


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fold(text))


def _similar(got: str, want: str) -> float:
    """Character-level similarity of the folded texts (OCR residue costs a little, a word in
    the wrong column costs its whole length)."""
    return SequenceMatcher(None, " ".join(_words(got)), " ".join(_words(want)), autojunk=False).ratio()


@pytest.fixture(scope="module")
def table_2025():
    text = cleaning.normalize(MINUTES_2025.read_text(encoding="utf-8"))
    context = repair.document_context(text)
    names = metadata.organisations(repair.repair_text(text, context.vocabulary, context.thorough).text)
    found = tables.find_tables(text, names, context.vocabulary)
    assert len(found) == 1
    return found[0], lambda cell: repair.repair_text(cell, context.vocabulary, context.thorough).text


def test_interleaved_table_has_eight_rows_in_order(table_2025):
    table, _fix = table_2025
    assert [row.number for row in table.rows] == [1, 2, 3, 4, 5, None, None, None]
    assert [row.carried_over for row in table.rows] == [False] * 5 + [True, False, False]
    assert table.captions[0] == "Nazwa organizacji"


@pytest.mark.parametrize("index", range(len(ROWS_2025)))
def test_every_row_reads_as_in_the_document(table_2025, index):
    table, fix = table_2025
    row = table.rows[index]
    number, organisation, proposal, position = ROWS_2025[index]
    got_org, got_post, got_resp = (fix(cell) for cell in row.cells)
    assert _words(got_org) == _words(organisation)
    # The words are the OCR's, so a few stay damaged ("Zad?lnla"); a cell holding another
    # column's words, or missing some of its own, falls well below these ratios.
    assert _similar(got_post, proposal) >= 0.9, got_post
    assert _similar(got_resp, position) >= 0.9, got_resp
    if proposal:
        assert _words(got_post)[-2:] == _words(proposal)[-2:]
    assert _words(got_resp)[-2:] == _words(position)[-2:]


@pytest.fixture(scope="module")
def corpus_passages(prepared_corpus):
    return prepared_corpus


def _records(passages, doc: str):
    return [p for p in passages if p.kind == postulates.KIND and p.doc_id == doc]


def test_table_records_merge_the_row_carried_over_a_page(corpus_passages):
    records = _records(corpus_passages, MINUTES_2025.name)
    assert len(records) == 7
    zustricz = next(r for r in records if r.meta["organisation"] == "Fundacja Zustricz")
    assert zustricz.meta["response"].endswith("zaplanowany zostanie budżet na te cele.")
    assert zustricz.meta["unit"] == "Wydział Polityki Społecznej, Równości i Zdrowia"
    assert zustricz.meta["date"] == "2025-06-24"
    probacja = next(r for r in records if r.meta["organisation"] == "Małopolskie Stowarzyszenie Probacja")
    assert "Krakowskie Forum Lokalowe" in probacja.meta["response"]
    assert probacja.meta["location"] == "tabela postulatów, wiersz 3"
    assert "lokale" in probacja.meta["topics"]


def test_notes_postulates_keep_their_department(corpus_passages):
    records = _records(corpus_passages, "2011-07-27_notatka-zespol-wykluczenie-spoleczne.txt")
    training = next(r for r in records if r.meta["postulate"].startswith("Postulat szkolenia"))
    assert training.meta["unit"] == "Wydział Mieszkalnictwa"
    assert "pozyskiwania lokali z zasobów Gminy" in training.meta["postulate"]
    mops = next(r for r in records if "diagnozowaniu" in r.meta["postulate"])
    assert mops.meta["unit"] == "MOPS"
    assert mops.meta["response"].startswith("możliwe do wykonania we współpracy z organizacjami")


def test_news_prose_postulates_and_declarations(corpus_passages):
    records = _records(corpus_passages, "2026-03-03_dialog-z-trzecim-sektorem.txt")
    deadlines = next(r for r in records if "wydłużenie terminów konkursowych" in r.meta["postulate"])
    assert "zadeklarowali przegląd procedur" in deadlines.meta["response"]
    assert "Wydział Dialogu" in deadlines.meta["unit"]
    fund = next(r for r in records if "funduszu wkładów własnych" in r.meta["postulate"])
    assert fund.meta["response"] == "Miasto zapowiedziało analizę możliwości budżetowych w tym zakresie."
    # the closing paragraph ("zgłoszone postulaty będą … analizowane") is not a postulate
    assert not any("sukcesywnie analizowane" in r.text for r in records)


def test_cli_lists_premises_postulates(settings, corpus_index):
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "postulates", "--topic", "lokale", "--json", "--index", str(settings.index_dir)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    hits = json.loads(out.stdout)
    probacja = next(h for h in hits if h["organisation"] == "Małopolskie Stowarzyszenie Probacja")
    assert "Krakowskie Forum Lokalowe" in probacja["response"]
    training = next(h for h in hits if h["postulate"].startswith("Postulat szkolenia"))
    assert training["date"] == "2011-07-27" and training["unit"] == "Wydział Mieszkalnictwa"
    assert all("lokale" in h["topics"] for h in hits)


def test_cli_searches_postulates(settings, corpus_index):
    out = subprocess.run(
        [sys.executable, "-m", "assistant", "postulates", "wkład własny do grantów", "--json", "--k", "3",
         "--index", str(settings.index_dir)],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )
    hits = json.loads(out.stdout)
    assert "funduszu wkładów własnych" in hits[0]["postulate"]

"""Near misses on documents written for these tests: the same kind of answer about another
centre, another year or another subject is no answer; the right one is found among look-alikes.

Real build, real model and engine, the shipped calibration."""

from __future__ import annotations

from pathlib import Path

import pytest

DOCUMENTS = {
    "centrum-obywatelskie-ruczaj.txt": (
        "Regulamin Centrum Obywatelskiego Ruczaj\n\n"
        "Centrum Obywatelskie Ruczaj mieści się przy ul. Babińskiego 71 i służy mieszkańcom oraz organizacjom.\n\n"
        "Godziny otwarcia\n\n"
        "Centrum jest czynne od poniedziałku do piątku w godz. 9:00–20:00, a w soboty w godz. 10:00–14:00.\n\n"
        "Rezerwacja sal\n\n"
        "Sale rezerwuje się przez formularz na stronie internetowej co najmniej trzy dni przed spotkaniem.\n"
    ),
    "klub-sasiedzki-prokocim.txt": (
        "Zasady korzystania z Klubu Sąsiedzkiego Prokocim\n\n"
        "Klub Sąsiedzki Prokocim działa przy ul. Kurczaba 5 w budynku dawnej przychodni.\n\n"
        "Klub jest otwarty we wtorki, środy i czwartki w godz. 15:00–19:00.\n\n"
        "W klubie można bezpłatnie zorganizować spotkanie grupy sąsiedzkiej lub warsztaty dla dzieci.\n"
    ),
    "program-wspolpracy-2031.txt": (
        "Program współpracy Gminy Miejskiej Kraków z organizacjami pozarządowymi na rok 2031\n\n"
        "§ 1. Program określa cele, zasady i formy współpracy miasta z organizacjami.\n\n"
        "§ 2. Priorytetem programu na rok 2031 jest wsparcie wolontariatu sąsiedzkiego.\n\n"
        "§ 8. Na realizację Programu w roku 2031 planuje się przeznaczyć kwotę 141 200 000 zł.\n"
    ),
    "program-wspolpracy-2032.txt": (
        "Program współpracy Gminy Miejskiej Kraków z organizacjami pozarządowymi na rok 2032\n\n"
        "§ 1. Program określa cele, zasady i formy współpracy miasta z organizacjami.\n\n"
        "§ 2. Priorytetem programu na rok 2032 jest edukacja ekologiczna dzieci.\n\n"
        "§ 8. Na realizację Programu w roku 2032 planuje się przeznaczyć kwotę 148 900 000 zł.\n"
    ),
    "lokale-dla-organizacji.txt": (
        "Lokale użytkowe dla organizacji pozarządowych\n\n"
        "Organizacje mogą wynajmować lokale z zasobu gminy na preferencyjnych warunkach.\n\n"
        "Stawka czynszu za lokal użytkowy dla organizacji wynosi 25 zł za metr kwadratowy miesięcznie.\n"
    ),
    "budzet-obywatelski-2031.txt": (
        "Budżet Obywatelski Miasta Krakowa 2031\n\n"
        "Mieszkańcy zgłosili 612 projektów, a w głosowaniu wzięło udział 71 000 osób.\n\n"
        "Na Budżet Obywatelski w 2031 roku przeznaczono łącznie 36 000 000 zł.\n"
    ),
}


@pytest.fixture(scope="module")
def near_answerer(tmp_path_factory: pytest.TempPathFactory):
    from assistant.answer.answering import Answerer
    from assistant.retrieval.retriever import Retriever
    from indexer.build import build
    from indexer.settings import Settings

    root = tmp_path_factory.mktemp("near-misses")
    corpus = root / "corpus"
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    settings = Settings.from_env(index_dir=root / "index", corpus_dir=corpus)
    report = build([corpus], settings)
    assert report.ok, report.errors
    retriever = Retriever(settings)
    yield Answerer(retriever)
    retriever.close()


def _cited(answer) -> list[str]:
    return [Path(c.source).name for c in answer.citations]


def test_opening_hours_of_the_centre_asked_about(near_answerer):
    answer = near_answerer.ask("W jakich godzinach jest otwarte Centrum Obywatelskie Ruczaj w soboty?")
    assert not answer.abstained, answer.features
    assert _cited(answer)[0] == "centrum-obywatelskie-ruczaj.txt"
    assert "10:00–14:00" in answer.answer


def test_opening_hours_of_a_centre_the_documents_do_not_have(near_answerer):
    answer = near_answerer.ask("W jakich godzinach jest otwarte Centrum Obywatelskie Bieżanów?")
    assert answer.abstained, answer.answer


def test_the_programme_of_the_year_asked_about(near_answerer):
    answer = near_answerer.ask("Jaką kwotę zaplanowano w programie współpracy na rok 2032?")
    assert not answer.abstained, answer.features
    assert _cited(answer)[0] == "program-wspolpracy-2032.txt"
    assert "148 900 000 zł" in answer.answer


def test_a_programme_year_the_documents_do_not_have(near_answerer):
    answer = near_answerer.ask("Jaką kwotę zaplanowano w programie współpracy na rok 2030?")
    assert answer.abstained, answer.answer


def test_an_amount_of_the_subject_asked_about_not_of_another(near_answerer):
    answer = near_answerer.ask("Ile pieniędzy przeznaczono na Budżet Obywatelski w 2031 roku?")
    assert not answer.abstained, answer.features
    assert _cited(answer)[0] == "budzet-obywatelski-2031.txt"
    assert "36 000 000 zł" in answer.answer and "25 zł" not in answer.answer

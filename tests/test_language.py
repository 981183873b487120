"""The language layer (indexer/text/language.py): months and name heads matched on lemmas,
with the words each pattern must not take."""

from __future__ import annotations

import pytest

from indexer.documents.metadata import find_date, organisations
from indexer.text import language
from indexer.text.analyzer import analyse, lemmas


@pytest.mark.parametrize(
    ("word", "month"),
    [("stycznia", 1), ("lutego", 2), ("Marca", 3), ("maja", 5), ("Maj", 5), ("czerwcu", 6),
     ("września", 9), ("wrzesnia", 9), ("pazdziernika", 10), ("grudzień", 12)],
)
def test_month_number_takes_every_form_of_a_month(word: str, month: int) -> None:
    assert language.month_number(word) == month


@pytest.mark.parametrize("word", ["mają", "majątek", "Czerwony", "czerwone", "marzenie", "lutnia", "listy", "lipa", "sierpowy"])
def test_month_number_refuses_words_that_only_look_like_months(word: str) -> None:
    assert language.month_number(word) is None


def test_dates_are_found_with_month_names_and_not_with_look_alikes() -> None:
    assert find_date("Spotkanie odbyło się 3 października 2019 r. w Krakowie.") == "2019-10-03"
    assert find_date("Termin: 12 wrzesnia 2020") == "2020-09-12"
    assert find_date("Organizacje 5 mają 2020 pomysłów") is None
    assert find_date("W punkcie 7 majątek 2021 opisano") is None


def test_month_genitives_are_generated_from_the_lemmas() -> None:
    forms = language.month_genitives()
    assert len(set(forms.values())) == 12
    assert forms["czerwca"] == 6 and forms["pazdziernika"] == 10
    assert "mają" not in forms and "czerwony" not in forms


@pytest.mark.parametrize(
    ("words", "expected"),
    [(["Fundacji", "Dobra"], ("org", "Fundacja", 1)),
     (["Stowarzyszeniem", "Sąsiedzkim"], ("org", "Stowarzyszenie", 1)),
     (["Wydziałem", "Sportu"], ("unit", "Wydział", 1)),
     (["Miejskiego", "Ośrodka"], ("unit", "Miejski Ośrodek", 2)),
     (["Biurze", "Promocji"], ("unit", "Biuro", 1))],
)
def test_name_heads_match_any_case_form(words: list[str], expected: tuple[str, str, int]) -> None:
    assert language.name_head(words) == expected


@pytest.mark.parametrize(
    "words",
    [["fundacji", "dobra"],  # lower case: a common noun, not a name
     ["FUNDACJI"],  # shouted heading, not a name's head
     ["Fundacyjny"],  # another lemma
     ["Miejskiego", "Programu"],  # half of a two-word head
     ["Lokalne", "Centrum"], ["Wydarzenie"], ["Instytucji"]],
)
def test_name_heads_refuse_other_words(words: list[str]) -> None:
    assert language.name_head(words) is None


def test_organisations_in_running_text() -> None:
    text = (
        "Na spotkaniu głos zabrali przedstawiciele Fundacji Zielony Most oraz Wydziału Kultury "
        "i Dziedzictwa, a także MOPS.\nLokalne organizacje i fundacje pytały o lokale."
    )
    assert organisations(text) == ["Fundacja Zielony Most", "Wydział Kultury i Dziedzictwa", "MOPS"]


def test_lokalne_is_not_a_place() -> None:
    readings = analyse("lokalne")
    assert readings and all("nazwa_geograficzna" not in r.names for r in readings)
    assert any("nazwa_geograficzna" in r.names for r in analyse("Kraków"))


def test_analyse_is_the_dictionary_and_lemmas_build_on_it() -> None:
    assert {r.lemma.split(":")[0] for r in analyse("lokali")} >= {"lokal"}
    assert analyse("xqzw")[0].tag == "ign" and lemmas("xqzw") == ()


@pytest.mark.parametrize(
    ("lemma_set", "takes", "refuses"),
    [(language.CITED_ACT_LEMMAS, ["ustawy", "Uchwałą", "pismem", "rozporządzenia"], ["ustawienia", "piśmiennictwo", "Uchwyt"]),
     (language.PUBLICATION_LEMMAS, ["Opublikowano", "publikacji", "Dodano"], ["publiczny", "dodatek"]),
     (language.BYLINE_LEMMAS, ["Autor", "redakcja"], ["autobus", "redaktorski"]),
     (language.MEETING_LEMMAS, ["odbyło", "obradowała"], ["odbiór", "obrady"])],
)
def test_dating_lemmas_take_inflected_forms_and_refuse_look_alikes(lemma_set: frozenset[str], takes: list[str], refuses: list[str]) -> None:
    for word in takes:
        assert set(lemmas(word) or lemmas(word.lower())) & lemma_set, word
    for word in refuses:
        assert not set(lemmas(word) or lemmas(word.lower())) & lemma_set, word

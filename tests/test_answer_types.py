"""Answer types on sentences written for these tests: each pattern matches what it should, and a
word that only looks like it (a verb, an adjective, an act's number) does not."""

from __future__ import annotations

import pytest

from assistant.answer.answer_types import (
    answer_type_found,
    has_month,
    has_place_word,
    is_month,
    type_spans,
)
from assistant.question.analysis import analyse_question


@pytest.mark.parametrize("word", ["maja", "maju", "czerwca", "września", "wrzesnia", "października", "grudniu", "luty"])
def test_month_forms_are_months(word):
    assert is_month(word)


@pytest.mark.parametrize("word", ["mają", "majątek", "Czerwony", "czerwień", "lipy", "marcowe", "Marek", "listopadowy"])
def test_words_that_only_look_like_months_are_not(word):
    assert not is_month(word)


def test_a_date_question_is_not_answered_by_a_verb_or_a_colour():
    q = analyse_question("Kiedy odbyło się zebranie sąsiadów?")
    assert answer_type_found("Mieszkańcy mają wiele pomysłów, a Czerwony Krzyż pomaga.", q) == 0.0
    assert answer_type_found("Majątek stowarzyszenia przekazano fundacji.", q) == 0.0
    assert answer_type_found("Zebranie odbyło się 12 maja w świetlicy.", q) == 1.0


def test_local_is_not_a_place_but_a_room_is():
    assert not has_place_word("To były lokalne inicjatywy mieszkańców.")
    assert has_place_word("Warsztaty odbędą się w lokalu przy parku.")
    assert has_place_word("Zapisy na stronie www.przyklad.pl")
    q = analyse_question("Gdzie odbyły się warsztaty?")
    assert answer_type_found("Warsztaty wsparły lokalne inicjatywy.", q) == 0.0
    assert answer_type_found("Warsztaty odbyły się w sali nr 12.", q) == 1.0


def test_an_acts_number_or_a_legal_reference_is_not_a_count():
    q = analyse_question("Ile komisji działało w 2019 roku?")
    assert answer_type_found("Komisje działają na podstawie Zarządzenia Nr 1234/2014 Prezydenta Miasta.", q) == 0.0
    assert answer_type_found("Zgodnie z art. 5 ust. 2 pkt 4 ustawy komisje opiniują projekty.", q) == 0.0
    assert answer_type_found("W 2019 roku działało 17 komisji.", q) == 1.0


def test_a_sum_of_money_is_not_a_count():
    q = analyse_question("Ile ofert złożono w konkursie?")
    assert answer_type_found("Na konkurs przeznaczono 450 000 zł.", q) == 0.0
    assert answer_type_found("W konkursie złożono 37 ofert.", q) == 1.0


def test_a_count_with_its_unit_before_the_number():
    q = analyse_question("Ile ofert złożono w 2031 roku?")
    assert answer_type_found("– liczba złożonych ofert: 1 410, – liczba umów: 880", q) == 1.0


def test_type_spans_say_where_the_answer_stands():
    q = analyse_question("Ile pieniędzy przeznaczono na Budżet Obywatelski?")
    sentence = "Czynsz wynosi 25 zł za m², a na Budżet Obywatelski przeznaczono 30 mln zł."
    spans = type_spans(sentence, q)
    found = [sentence[a:b].strip() for a, b, _s in spans]
    assert found[0] == "25 zł" and found[1].startswith("30 mln") and len(found) == 2
    assert has_month("spotkanie 3 czerwca") and not has_month("organizacje mają plany")


def test_a_cited_acts_date_is_not_the_date_asked_for():
    q = analyse_question("Do kiedy można składać oferty?")
    cited = "Prezydent Miasta ogłasza konkurs na podstawie ustawy z dnia 24 kwietnia 2003 r. o działalności pożytku publicznego."
    assert answer_type_found(cited, q) == 0.0
    assert answer_type_found("Zarządzenie Nr 12/2031 Prezydenta Miasta Krakowa z dnia 3 marca 2031 r.", q) == 0.0
    assert answer_type_found("Oferty można składać do dnia 29 lutego 2031 r. do godz. 15:30.", q) == 1.0


def test_a_period_answers_when():
    q = analyse_question("W jakim terminie miasto przekazuje dotację?")
    assert answer_type_found("Dotacja jest przekazywana w ciągu 14 dni od podpisania umowy.", q) == 1.0

"""Extractive answers: cited verbatim quotes, lists grouped by document, the JSON contract,
question analysis, the evidence checks and honest abstention."""

import json
import re

import numpy as np
import pytest

from assistant.answer.abstention import fit_logistic
from assistant.answer.answer_types import answer_type_found, people_in
from assistant.question.analysis import (
    ADDRESS,
    AGENT,
    AMOUNT,
    DATE,
    NUMBER,
    PERSON,
    TIME,
    analyse_question,
)
from indexer.text.sentences import sentence_spans


def test_answer_cites_verbatim_quotes(answerer):
    answer = answerer.ask("Co miasto odpowiedziało na postulat dotyczący lokali z zasobu Zarządu Budynków Komunalnych?")
    assert not answer.abstained
    assert "[1]" in answer.answer
    for citation in answer.citations:
        assert citation.quote and citation.quote in citation.passage
        assert f"[{citation.n}]" in answer.answer
    assert any("Forum Lokalowe" in c.passage for c in answer.citations)


def test_every_eval_question_gets_verbatim_quotes(answerer):
    """Every question, abstention switched off so each one gets quotes: every quote is a
    verbatim span of its cited passage and every marker has its citation."""
    from eval.gold import load_questions

    for q in load_questions():
        answer = answerer.answer_from(answerer.gather(q.question), allow_abstention=False)
        assert answer.citations, q.id
        numbers = [c.n for c in answer.citations]
        assert numbers == list(range(1, len(numbers) + 1)), q.id
        for citation in answer.citations:
            assert citation.quote and citation.quote in citation.passage, q.id
        assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.answer)} == set(numbers), q.id


def test_sentence_spans_do_not_cut_after_abbreviations():
    text = "Spotkanie odbyło się przy ul. Dekerta 24. Uczestniczyło np. 19 osób.\n• Drugi punkt listy"
    pieces = [text[s:e] for s, e in sentence_spans(text)]
    assert pieces == ["Spotkanie odbyło się przy ul. Dekerta 24.", "Uczestniczyło np. 19 osób.", "Drugi punkt listy"]
    named = "Miasto rozpoczyna działanie pn. Krakowskie Forum Lokalowe, którego celem jest dialog."
    assert [named[s:e] for s, e in sentence_spans(named)] == [named]


def test_ask_cli_json_contract(settings, corpus_index, capsys):
    from assistant.__main__ import main

    argv = ["ask", "Ile mieszkań komunalnych było w Krakowie w 2011 roku?", "--index", str(settings.index_dir), "--json"]
    assert main(argv + ["--mode", "extractive"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) >= {"answer", "abstained", "citations"}
    assert data["abstained"] is False
    assert data["citations"] and set(data["citations"][0]) >= {"n", "source", "title", "date", "page", "quote"}
    assert "20000" in data["answer"]


@pytest.mark.parametrize(
    "question, speaker, quoted",
    [
        ("Kto zaproponował rozszerzenie sfer w bazie NGO?", "Pełnomocnik Prezydenta Miasta Krakowa ds. Polityki Senioralnej", "Rozszerzenie sfer"),
        ("Która fundacja wnioskowała o odrębne środki na dostosowanie dostępności?", "Fundacja Popatrz Sercem", "Odrębne środki"),
        ("Kto mówił o liczbie mieszkań komunalnych na spotkaniu w 2011?", "Rafał Wojtasik", "20000"),
    ],
)
def test_who_question_names_the_speaker_from_the_section_heading(answerer, question, speaker, quoted):
    """Minutes put who proposes or speaks in the heading above the words: a "kto" answer
    names them before the quoted sentence, which stays a verbatim span of the passage."""
    answer = answerer.ask(question)
    assert not answer.abstained
    first = answer.answer.splitlines()[0]
    assert first.index(speaker) < first.index(quoted)
    citation = answer.citations[0]
    assert quoted in citation.quote and citation.quote in citation.passage
    assert any(speaker in h for h in citation.heading_path)


def test_a_question_or_a_bare_name_in_the_text_is_no_answer(answerer):
    """The 2011 note asks "Czy rozdzielać środki tak, że np. kilka organizacji dostanie 30%…?"
    and the 2025 minutes list participants by name; neither answers a question put to us."""
    from assistant.answer.candidates import _answers_nothing
    from assistant.question.analysis import analyse_question

    what = analyse_question("Co odpowiedziano Fundacji Zustricz?")
    assert _answers_nothing("Fundacja Internationaler Bund Polska, Fundacja Zustricz,", what)
    assert not _answers_nothing("Fundacja Zustricz zaproponowała zwiększenie puli środków.", what)
    assert not _answers_nothing("Fundacja Zustricz,", analyse_question("Kto brał udział w spotkaniu?"))
    answer = answerer.ask("Czy organizacje mogą dostać lokal od miasta?")
    assert not answer.abstained
    assert not any(c.quote.rstrip().endswith("?") for c in answer.citations)


def test_what_the_city_declared_includes_its_reply(answerer):
    """The 2026 minutes state the matter ("…kwestia przywrócenia funduszu wkładów własnych…")
    and then the reply ("Miasto zapowiedziało analizę możliwości budżetowych…"): a question
    about the declaration gets both, from the same passage."""
    answer = answerer.ask("Co miasto zadeklarowało w sprawie wkładu własnego?")
    assert not answer.abstained
    assert "wkładów własnych" in answer.answer and "Miasto zapowiedziało analizę możliwości budżetowych" in answer.answer
    assert len(answer.citations) == 1


def test_short_question_on_one_topic_of_a_long_passage_is_answered(answerer):
    """The 2026 passage on ADHD, hate speech and own contributions is far from each topic as a
    whole; how on-topic a question is counts its closest sentence too."""
    answer = answerer.ask("Co z mową nienawiści?")
    assert not answer.abstained
    assert "mowie nienawiści" in answer.citations[0].quote


def test_fact_answer_quotes_the_sentence_that_answers(answerer):
    answer = answerer.ask("Pod jakim adresem działa Centrum Obywatelskie w Krakowie?")
    assert not answer.abstained
    assert len(answer.citations) == 1
    assert "Reymonta 20" in answer.citations[0].quote
    assert answer.citations[0].date == "2020-06-10"


def test_long_sentence_is_quoted_up_to_the_answer(answerer):
    answer = answerer.ask("Kiedy i o której godzinie odbyło się II spotkanie branżowe Wydziału Polityki Społecznej, Równości i Zdrowia?")
    quote = answer.citations[0].quote
    assert "24 czerwca 2025" in quote and "17.00-19.30" in quote
    assert "kombatantów" not in quote and "promocji zdrowia" not in quote  # the enumeration after it is left out
    assert answer.answer == f"{quote} [1]"


def test_question_naming_two_years_cites_both_documents(answerer):
    answer = answerer.ask("Jak w 2011 i w 2025 roku mówiono o dostępie organizacji do lokali gminnych?")
    assert not answer.abstained
    years = {c.date[:4] for c in answer.citations}
    assert {"2011", "2025"} <= years


def test_list_answer_is_grouped_by_document_and_dated(answerer):
    answer = answerer.ask("Jakie postulaty zgłosiły organizacje pozarządowe i co im odpowiedziano?")
    assert not answer.abstained
    lines = answer.answer.splitlines()
    headers = [line for line in lines if not line.startswith("- ")]
    bullets = [line for line in lines if line.startswith("- ")]
    assert headers and len(bullets) >= 3
    dates = [re.search(r"\((\d{4}-\d{2}-\d{2})\):$", h).group(1) for h in headers]
    assert dates == sorted(dates)  # documents oldest first
    by_n = {c.n: c for c in answer.citations}
    current = None
    for line in lines:
        if not line.startswith("- "):
            current = re.search(r"\((\d{4}-\d{2}-\d{2})\):$", line).group(1)
            continue
        n = int(re.search(r"\[(\d+)\]$", line).group(1))  # every item cites its source
        assert by_n[n].date == current  # under the header of its own document
        assert current in line  # and carries its date


def test_list_answer_keeps_an_enumeration_whole(answerer):
    """The 16 areas of the 2011 programme span two passages; the list gives all of them."""
    answer = answerer.ask("Jakie obszary zadań obejmuje zakres współpracy miasta z organizacjami pozarządowymi w programie z 2011 roku?")
    assert not answer.abstained
    items = [line for line in answer.answer.splitlines() if re.match(r"- \d{1,2}\) ", line)]
    assert [int(re.match(r"- (\d+)", line).group(1)) for line in items] == list(range(1, 17))
    assert all("2011-11-23" in line for line in items)


def test_list_about_a_years_programme_lists_only_the_programme(answerer):
    """2011 has a programme and a meeting note; "program … z 2011 roku" means the programme."""
    answer = answerer.ask("Jakie obszary współpracy z organizacjami obejmuje program współpracy z 2011 roku?")
    assert not answer.abstained
    assert {c.doc_id for c in answer.citations} == {"2011-11-23_program-wspolpracy-drugie-czytanie.md"}
    assert "16) działalności na rzecz organizacji pozarządowych" in answer.answer


def test_question_naming_a_date_is_answered_from_that_dates_document(answerer):
    """Both the 2011 and the 2025 minutes count participants; a question about June 2025
    gets the 2025 count, not the 2011 one (whose sentence repeats more question words)."""
    answer = answerer.ask("Ilu przedstawicieli NGO przyszło na spotkanie w czerwcu 2025 roku?")
    assert not answer.abstained
    assert answer.citations[0].date == "2025-06-24"
    assert "19 osób" in answer.citations[0].quote


def test_foreign_question_quotes_the_best_passages(answerer):
    """An English question meets the Polish text only in names; the answer comes from the
    passages retrieval ranks first (the mental-health programme being prepared in 2025)."""
    answer = answerer.ask("Is the city working on a programme for the mental health of young people?")
    assert not answer.abstained
    assert answer.citations[0].date == "2025-06-24"
    assert "Miejski Program Ochrony Zdrowia Psychicznego" in answer.answer


def test_event_years_leave_out_programme_periods():
    from assistant.question.analysis import event_years

    assert event_years("Co ustalono na spotkaniu w czerwcu 2025 o programie na 2026 rok?") == ["2025"]
    assert event_years("What was proposed for 2026 at the meeting in June 2025?") == ["2025"]
    assert event_years("Що запропонували до програми на 2026 рік?") == []


def test_dates_hours_and_addresses_are_not_counts():
    count = analyse_question("Ile osób przyszło na spotkanie?")
    dated = "W dniu 24 czerwca 2025 roku w godz. 17.00-19.30 przy ul. Dekerta 24 odbyło się spotkanie 27.07.2011 r."
    assert answer_type_found(dated, count) == 0.0
    assert answer_type_found("W spotkaniu uczestniczyło 19 osób.", count) == 1.0
    assert answer_type_found("Aktualnie potrzeba 2000 lokali.", analyse_question("Ile lokali potrzeba?")) == 1.0


def test_answer_sentence_comes_from_the_best_retrieved_passage(answerer):
    """The sentence naming the Housing Department among the participants repeats the question's
    words, but the passage retrieval ranks first is the one on cooperation over homelessness."""
    answer = answerer.ask("Jak Wydział Mieszkalnictwa chciał współpracować z organizacjami wspierającymi bezdomnych?")
    assert not answer.abstained
    assert "bezdomnością" in answer.citations[0].quote


def test_a_programme_label_year_is_not_a_date():
    when = analyse_question("Kiedy odbył się przejazd tramwaju?")
    assert answer_type_found("harmonogramem prac nad projektem RPW 2026;", when) == 0.0
    assert answer_type_found("Tramwaj jeździł po Krakowie w 2019 roku.", when) == 1.0
    assert answer_type_found("Program planowany na lata 2026-2030.", analyse_question("Na jakie lata przewidziano program?")) == 1.0


def test_list_answer_is_not_padded_with_loosely_related_passages(answerer):
    """Only passages holding as much of the question as the best one are listed: the note's
    opening about the meeting room does not answer which health programmes ran."""
    answer = answerer.ask("Jakie programy zdrowotne realizował Urząd Miasta Krakowa według notatki z 2011 roku?")
    assert not answer.abstained and answer.citations
    assert "15 programów profilaktycznych" in answer.citations[0].quote
    assert not any("sali szkoleniowej" in c.passage for c in answer.citations)


def test_record_list_keeps_the_side_the_question_asks_about(answerer):
    """A question about what organisations raised lists records with a postulate; one about
    what the city declared lists records with a response."""
    raised = answerer.ask("Jakie postulaty podniosły organizacje w rozmowie z prezydentem w 2026 roku?")
    assert len(raised.citations) >= 5
    assert all(c.kind == "postulate" and c.passage.startswith("Postulat") for c in raised.citations)
    declared = answerer.ask("Jakie deklaracje padły ze strony miasta w rozmowie z organizacjami w 2026 roku?")
    assert len(declared.citations) >= 4
    assert all("\nOdpowiedź" in c.passage for c in declared.citations)


def test_record_list_keeps_the_records_on_the_topic_asked(answerer):
    """"Które postulaty dotyczyły polityki lokalowej?" lists the premises postulate, not every
    record of the meeting; a question naming no topic of its own still lists all seven."""
    topical = answerer.ask("Które postulaty dotyczyły polityki lokalowej?")
    assert not topical.abstained and topical.citations
    # the premises records, and other documents' sentences on premises (tests/test_list_answers.py)
    assert all("lokal" in c.passage for c in topical.citations)
    assert any(c.kind == "postulate" for c in topical.citations)
    assert "Probacja" in topical.answer and "Cyfronet" not in topical.answer
    broad = answerer.ask("Które postulaty zgłosiły organizacje do projektu programu współpracy na 2026 rok?")
    assert len(broad.citations) >= 7


def test_off_topic_question_abstains_in_polish(answerer):
    answer = answerer.ask("Kto wygrał mistrzostwa świata w piłce nożnej w 2022 roku?")
    assert answer.abstained
    assert answer.answer.startswith("Nie znalazłem")
    assert not answer.citations and answer.closest


@pytest.mark.parametrize(
    "question",
    [
        "Jaką kwotę przeznaczono na Tramwaj Praw Człowieka?",  # no amount anywhere
        "Jak nazywa się przewodniczący Komisji Dialogu Obywatelskiego?",  # no named holder of that role
        "Kiedy odbyło się IV spotkanie branżowe Wydziału Polityki Społecznej, Równości i Zdrowia?",  # no "IV"
        "Ile osób uczestniczyło w spotkaniach Komisji Dialogu Obywatelskiego w 2017 roku?",  # no 2017
        "Jak zarejestrować fundację w KRS?",  # an acronym the documents never use nor spell out
    ],
)
def test_near_miss_questions_abstain_and_say_why(answerer, question):
    gathered = answerer.gather(question)
    assert gathered.reasons, gathered.evidence.features
    answer = answerer.answer_from(gathered)
    assert answer.abstained and not answer.citations
    assert answer.answer.startswith("Nie znalazłem") and "Najbliższe dokumenty" in answer.answer


def test_an_acronym_the_documents_spell_out_is_known(answerer):
    """People say "ZBK"; the minutes write "Zarządu Budynków Komunalnych": still answered."""
    gathered = answerer.gather("Co miasto odpowiedziało na postulat zwiększenia dostępności lokali ZBK dla organizacji?")
    assert gathered.evidence.features["acronyms"] == 1.0 and not gathered.reasons


def test_where_is_the_seat_asks_for_an_address():
    from assistant.question.analysis import ADDRESS, PLACE, analyse_question

    assert analyse_question("Gdzie jest siedziba MOPS?").answer_type == ADDRESS
    assert analyse_question("Gdzie odbyło się spotkanie?").answer_type == PLACE
    assert analyse_question("Czy będą pieniądze na likwidację barier w siedzibach fundacji?").answer_type is None


def test_question_sharing_only_common_words_with_the_documents_abstains(answerer):
    """Rain tomorrow shares only "Kraków" with the documents: off topic, whatever the similarity."""
    gathered = answerer.gather("Czy jutro w Krakowie będzie padał deszcz?")
    assert "the question shares only common words with the documents" in gathered.reasons
    assert answerer.answer_from(gathered).abstained


@pytest.mark.parametrize(
    "question",
    ["Where does Fundacja Nowe Centrum have its office in Kraków?", "Де знаходиться Fundacja Prodriver?"],
)
def test_foreign_question_about_a_named_organisation_needs_the_answer_beside_the_name(answerer, question):
    """The documents name these foundations but give no address of theirs: another address
    (Centrum Obywatelskie's) is no answer."""
    assert answerer.ask(question).abstained


def test_foreign_question_with_a_name_is_answered_beside_it(answerer):
    answer = answerer.ask("Where is the Centrum Obywatelskie located?")
    assert not answer.abstained
    assert "Reymonta 20" in answer.citations[0].quote


def test_abstention_in_english_on_request(answerer):
    answer = answerer.ask("Jaką kwotę przeznaczono na Tramwaj Praw Człowieka?", lang="en")
    assert answer.abstained and answer.answer.startswith("I could not find")


@pytest.mark.parametrize(
    "question, kind, is_list",
    [
        ("Ile osób przyszło na spotkanie branżowe?", NUMBER, False),
        ("Ile pieniędzy przeznaczono na Forum?", AMOUNT, False),
        ("Jaki był łączny budżet konkursów w 2024 roku?", AMOUNT, False),
        ("Kiedy miało wystartować Krakowskie Forum Lokalowe?", DATE, False),
        ("W jakich godzinach jest otwarte Centrum Obywatelskie?", TIME, False),
        ("Jak nazywa się dyrektor Wydziału?", PERSON, False),
        ("Kto moderował zebranie zespołu?", AGENT, False),
        ("Jaki jest adres siedziby fundacji?", ADDRESS, False),
        ("Które postulaty zgłosiły organizacje do projektu programu?", None, True),
        ("Jakie pozafinansowe formy współpracy stosuje Kraków?", None, True),
        ("Jaki jest cel główny programu współpracy?", None, False),
        ("How many NGOs are represented in the commissions?", NUMBER, False),
        ("What did the city reply when an NGO asked for premises?", None, False),
        ("Скільки грошей місто виділило?", AMOUNT, False),
        ("Коли відбулася зустріч?", DATE, False),
    ],
)
def test_question_analysis(question, kind, is_list):
    info = analyse_question(question)
    assert info.answer_type == kind
    assert info.is_list == is_list


def test_question_numerals_and_units():
    info = analyse_question("Kiedy odbyło się I spotkanie branżowe w 2025 roku?")
    assert info.numerals == ("2025", "I")
    assert analyse_question("How do I renew a licence?").numerals == ()  # an English pronoun
    units = analyse_question("Ile organizacji pozarządowych skupiały Komisje?").unit_terms
    assert {"organizacja", "ngo"} <= units


def test_answer_type_found_in_sentences():
    count = analyse_question("Ile organizacji skupiały Komisje Dialogu Obywatelskiego?")
    assert answer_type_found("Komisje zrzeszają przedstawicieli aż 114 NGO.", count) == 1.0
    assert answer_type_found("Komisje Dialogu Obywatelskiego działają od lat.", count) == 0.0
    money = analyse_question("Ile pieniędzy przeznaczono na Forum?")
    assert answer_type_found("Na Forum przeznaczono 120 tys. zł.", money) == 1.0
    assert answer_type_found("Forum rozpoczyna działanie pod koniec czerwca.", money) == 0.0
    when = analyse_question("Kiedy rusza Forum?")
    assert answer_type_found("Forum rusza pod koniec czerwca br.", when) == 1.0
    holder = analyse_question("Jak nazywa się dyrektor MOPS?")
    assert answer_type_found("MOPS – p. dyr. Józefa Grodecka.", holder) == 1.0
    assert answer_type_found("Zebranie moderowały Irena Kruczek i Zuzanna Oleś-Binczyk.", holder) == 0.0
    assert people_in("Zebranie moderowały Irena Kruczek i Zuzanna Oleś-Binczyk.") == ["Irena Kruczek", "Zuzanna Oleś-Binczyk"]


def test_logistic_fit_separates_what_is_separable():
    rng = np.random.default_rng(0)
    rows = [{"a": float(x), "b": float(rng.normal())} for x in np.r_[rng.normal(-2, 1, 50), rng.normal(2, 1, 50)]]
    labels = [0] * 50 + [1] * 50
    model = fit_logistic(rows, labels, ["a", "b"])
    assert model.weights["a"] > 1.0 > abs(model.weights["b"])
    assert model.probability({"a": 3.0, "b": 0.0}) > 0.9 > 0.1 > model.probability({"a": -3.0, "b": 0.0})


def test_shipped_calibration_is_usable(answerer):
    from assistant.answer.evidence import FEATURES, MODEL_FEATURES

    calibration = answerer.calibration
    assert 0.0 < calibration["min_evidence"] < 1.0
    assert set(calibration["abstention"]["weights"]) <= set(MODEL_FEATURES)
    assert set(calibration["abstention"]["references"]) == {"pl", "foreign"}
    assert 0.0 < calibration["verification"]["min_similarity"] < 1.0
    assert {"type_ok", "date_match", "vocabulary", "on_topic"} <= set(FEATURES)


def test_answer_metrics_definitions():
    from eval.answers import Row, answer_metrics
    from eval.gold import Question

    class C:
        def __init__(self, passage, doc="a.txt"):
            self.doc_id, self.source, self.passage, self.quote = doc, doc, passage, passage[:5]

    class A:
        def __init__(self, citations):
            self.citations = citations

    gold = Question("x", "?", "fact", "pl", True, gold_docs=("a.txt",), key_phrases=("Forum Lokalowe",))
    rows = [
        Row(gold, {}, [], A([C("Krakowskie Forum Lokalowe rusza."), C("Inny tekst.")])),
        Row(Question("y", "?", "unanswerable", "pl", False), {}, [], A([])),
        Row(Question("z", "?", "unanswerable", "pl", False), {}, [], A([])),
    ]
    m = answer_metrics(rows, [False, True, False])
    assert m["citation_precision"] == 0.5 and m["first_citation_precision"] == 1.0
    assert m["abstention_recall"] == 0.5 and m["abstention_precision"] == 1.0 and m["false_abstention"] == 0.0
    assert m["verbatim_quotes"]

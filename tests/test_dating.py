"""A document's own date without a manifest: weighed candidates, never a cited act's date;
partial dates ("2019") from the manifest or the text, accepted and filterable everywhere."""

from __future__ import annotations

import pytest

from indexer.documents.dating import date_of
from indexer.documents.metadata import partial_date
from indexer.settings import Settings
from indexer.store.schema import SearchFilters

ACT = "ustawy z dnia 24 kwietnia 2003 r. o działalności pożytku publicznego i o wolontariacie"
PUBLISHED_2015 = (
    "Nowe zasady dotacji dla klubów sportowych\n\n"
    f"Zgodnie z art. 11 {ACT} (Dz. U. z 2003 r. Nr 96, poz. 873) miasto zleca zadania w konkursach.\n"
    "Data publikacji: 17.09.2015\n\n"
    "Kluby mogą składać oferty na szkolenie dzieci i młodzieży."
)
CITED_ONLY = (
    "Zasady współpracy\n\n"
    f"Na podstawie {ACT} oraz Zarządzenia Nr 1234/2014 Prezydenta Miasta Krakowa z dnia 5 maja 2014 r. "
    "w sprawie trybu konsultacji organizacje opiniują projekty. "
    "Rozporządzenie Ministra z dnia 3 lutego 2012 r. określa wzór oferty."
)


def test_a_2015_text_citing_the_2003_act_is_dated_2015():
    guess = date_of(PUBLISHED_2015, "Nowe zasady dotacji")
    assert guess.date == "2015-09-17" and guess.kind == "publication"


def test_a_date_that_follows_a_cited_act_is_never_chosen():
    assert date_of(CITED_ONLY, "Zasady współpracy").date is None
    assert "cited acts" in date_of(CITED_ONLY, "Zasady współpracy").evidence
    # ... the year of the title is the last resort, and says why
    guess = date_of(CITED_ONLY, "Zasady współpracy na rok 2016")
    assert guess.date == "2016" and guess.kind == "title_year" and "cited acts" in guess.evidence


def test_the_documents_own_act_heading_is_its_date_the_acts_it_cites_are_not():
    text = (
        "Uchwała Nr XII/123/24\nRady Miasta Krakowa\nz dnia 10 stycznia 2024 r.\n"
        "w sprawie programu współpracy\n\n"
        f"Na podstawie art. 5a {ACT} oraz uchwały Nr CX/9/23 Rady Miasta Krakowa z dnia 8 marca 2023 r. uchwala się."
    )
    guess = date_of(text)
    assert guess.date == "2024-01-10" and guess.kind == "own_act"


@pytest.mark.parametrize(
    ("text", "date", "kind"),
    [
        (f"Szanowni Państwo,\n\nw związku z art. 5 {ACT} zapraszamy.\n\nKraków, dnia 14 marca 2024 r.\n", "2024-03-14", "place_date"),
        ("Protokół z posiedzenia Komisji Dialogu Obywatelskiego ds. Kultury z dnia 5 marca 2024 r.\n\nObecni: 12 osób.", "2024-03-05", "dated_heading"),
        ("Sprawozdanie\n\n" + "Wstęp do dokumentu.\n" * 8 + "W dniu 12 lutego 2020 r. w sali obrad odbyło się spotkanie zespołu.", "2020-02-12", "meeting"),
    ],
)
def test_each_kind_of_own_date(text: str, date: str, kind: str):
    guess = date_of(text)
    assert (guess.date, guess.kind) == (date, kind)


def test_partial_dates_are_accepted_and_nonsense_is_not():
    assert partial_date("2019") == "2019" and partial_date(2019) == "2019"
    assert partial_date("2019-05") == "2019-05" and partial_date("2019-05-03") == "2019-05-03"
    for bad in ("2019-13", "2019-02-30", "19.05.2019", "wiosna 2019", "", None):
        assert partial_date(bad) is None


def test_year_consumers_read_partial_dates():
    from assistant.question.analysis import document_of_year
    from webapp.filters import document_years
    from webapp.overview import topic_counts
    from webapp.resources import IndexState

    state = IndexState(Settings.from_env(), "v", {"documents": {"a": {"date": "2019"}, "b": {"date": "2021-05"}, "c": {}}})
    assert document_years(state) == [2019, 2021]
    rows = [{"date": "2019", "topics": ["sport"]}, {"date": "2019-05-03", "topics": ["sport"]}]
    assert topic_counts(rows)[("2019", "sport")] == 2
    assert document_of_year("2019", None, "2019") and not document_of_year("2021", None, "2019")


@pytest.fixture(scope="module")
def dated_index(tmp_path_factory: pytest.TempPathFactory):
    import json

    from indexer.build import build

    folder = tmp_path_factory.mktemp("dated-corpus")
    (folder / "kluby-sportowe.txt").write_text(PUBLISHED_2015, encoding="utf-8")
    (folder / "zasady-wspolpracy.txt").write_text(CITED_ONLY, encoding="utf-8")
    (folder / "festyn-rodzinny.txt").write_text(
        "Festyn rodzinny\n\nStowarzyszenie zorganizowało festyn rodzinny z pokazem straży pożarnej i loterią fantową.",
        encoding="utf-8",
    )
    (folder / "manifest.json").write_text(
        json.dumps({"documents": [{"file": "festyn-rodzinny.txt", "title": "Festyn rodzinny", "date": "2019"}]}),
        encoding="utf-8",
    )
    settings = Settings.from_env(index_dir=tmp_path_factory.mktemp("dated-index"))
    report = build([folder], settings)
    assert report.ok, report.errors
    return settings


def test_manifest_year_is_accepted_and_filterable_in_a_search(dated_index):
    from assistant.retrieval.retriever import Retriever
    from indexer.versions import read_manifest

    docs = read_manifest(dated_index.index_dir).documents
    assert docs["festyn-rodzinny.txt"]["date"] == "2019" and "date" not in docs["festyn-rodzinny.txt"]["guessed"]
    assert docs["kluby-sportowe.txt"]["date"] == "2015-09-17"
    assert docs["zasady-wspolpracy.txt"]["date"] is None
    retriever = Retriever(dated_index)
    try:
        in_2019 = retriever.search("festyn z loterią fantową", k=5, filters=SearchFilters(date_from="2019", date_to="2019"))
        assert {h.doc_id for h in in_2019} == {"festyn-rodzinny.txt"} and in_2019[0].date == "2019"
        may_2019 = retriever.search("festyn", k=5, filters=SearchFilters(date_from="2019-05-01", date_to="2019-05-31"))
        assert {h.doc_id for h in may_2019} == {"festyn-rodzinny.txt"}  # "2019" may be May: its span overlaps
        from_2016 = retriever.search("dotacje dla klubów sportowych", k=5, filters=SearchFilters(date_from="2016"))
        assert "kluby-sportowe.txt" not in {h.doc_id for h in from_2016}
        in_2015 = retriever.search("dotacje dla klubów sportowych", k=5, filters=SearchFilters(date_from="2015", date_to="2015"))
        assert [h.doc_id for h in in_2015][:1] == ["kluby-sportowe.txt"]
    finally:
        retriever.close()


def test_status_names_the_guessed_dates_and_the_undated(dated_index, capsys):
    from indexer.__main__ import main

    assert main(["status", "--index", str(dated_index.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "guessed: date 2015-09-17 from 'Data publikacji'" in out
    assert "guessed: date none: only dates of cited acts" in out

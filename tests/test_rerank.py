"""The optional cross-encoder reranker, with a tiny cross-encoder the test builds from the
converted e5 tokenizer (random weights: its scores are arbitrary, so the tests check that the
retriever follows them), over a small generated corpus indexed by the real model and engine."""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.retrieval.rerank import RerankerUnavailable, load_reranker, passage_text
from assistant.retrieval.retriever import Retriever
from indexer.settings import Settings
from indexer.text.repair import repair_query

TOP = 8
TOLERANCE = 1e-5  # batch composition changes a score in the 7th digit

SECTIONS = {
    "Konkursy ofert na zadania publiczne": [
        (
            "Ogłoszenie konkursu",
            ("Prezydent ogłasza otwarty konkurs ofert na realizację zadań publicznych w zakresie "
            "pomocy społecznej. Oferty składają stowarzyszenia i fundacje działające na rzecz "
            "mieszkańców miasta, w terminie trzydziestu dni od dnia ogłoszenia konkursu."),
        ),
        (
            "Ocena ofert",
            ("Komisja konkursowa ocenia oferty pod względem formalnym i merytorycznym. Liczy się "
            "doświadczenie organizacji, koszt zadania, wkład własny oraz zasięg działań wśród "
            "seniorów i osób z niepełnosprawnościami."),
        ),
        (
            "Rozliczenie dotacji",
            ("Organizacja, która otrzymała dotację, składa sprawozdanie końcowe w ciągu trzydziestu "
            "dni od zakończenia zadania. Niewykorzystaną część dotacji zwraca się na rachunek "
            "urzędu wraz z odsetkami."),
        ),
    ],
    "Budżet obywatelski i inicjatywa lokalna": [
        (
            "Zgłaszanie projektów",
            ("Mieszkańcy zgłaszają projekty do budżetu obywatelskiego przez formularz internetowy. "
            "Projekt musi dotyczyć zadania własnego gminy i zyskać poparcie co najmniej "
            "piętnastu osób mieszkających w dzielnicy."),
        ),
        (
            "Głosowanie mieszkańców",
            ("Głosowanie trwa dwa tygodnie, a każdy mieszkaniec może oddać głos na kilka projektów "
            "dzielnicowych i ogólnomiejskich. Wygrywają projekty z największą liczbą punktów, aż "
            "do wyczerpania puli środków."),
        ),
        (
            "Inicjatywa lokalna",
            ("Grupa mieszkańców może złożyć wniosek o realizację inicjatywy lokalnej, na przykład "
            "urządzenie skweru lub placu zabaw, i wnieść w nią pracę społeczną albo świadczenia "
            "rzeczowe."),
        ),
    ],
    "Lokale dla organizacji pozarządowych": [
        (
            "Najem lokali użytkowych",
            ("Organizacje pozarządowe mogą wynająć lokal użytkowy od miasta na preferencyjnych "
            "warunkach, bez przetargu, jeżeli prowadzą w nim działalność pożytku publicznego na "
            "rzecz mieszkańców."),
        ),
        (
            "Forum lokalowe",
            ("Krakowskie forum lokalowe zbiera potrzeby organizacji szukających siedziby i "
            "przedstawia miastu propozycje zmian w polityce lokalowej, w tym obniżenia stawek "
            "czynszu dla stowarzyszeń."),
        ),
        (
            "Centrum obywatelskie",
            ("Centrum obywatelskie udostępnia organizacjom sale spotkań, biurka do pracy i "
            "szkolenia z pozyskiwania funduszy. Z sal korzystają także grupy nieformalne i rady "
            "dzielnic."),
        ),
    ],
}

QUERIES = [
    "Jak rozliczyć dotację po zakończeniu zadania?",
    "Kto może zgłosić projekt do budżetu obywatelskiego?",
    "Gdzie organizacja znajdzie lokal na siedzibę?",
    "Jak komisja ocenia oferty w konkursie?",
]


def _write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    for n, (title, sections) in enumerate(SECTIONS.items()):
        body = "\n\n".join(f"## {heading}\n\n{text}" for heading, text in sections)
        (folder / f"dokument-{n}.md").write_text(f"# {title}\n\n{body}\n", encoding="utf-8")


@pytest.fixture(scope="module")
def index_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from indexer.build import build

    root = tmp_path_factory.mktemp("rerank")
    _write_corpus(root / "docs")
    settings = Settings.from_env(index_dir=root / "index", reranker_model=None)
    settings = replace(settings, reranker_model=None)  # whatever the environment says
    report = build([root / "docs"], settings)
    assert report.ok, report.errors
    return settings


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, index_settings: Settings) -> Path:
    """A 2-layer cross-encoder (hidden 32, one output) with random weights and the e5 tokenizer."""
    import torch
    from transformers import (
        AutoModelForSequenceClassification,
        AutoTokenizer,
        XLMRobertaConfig,
    )

    from indexer.vectors.embeddings import ensure_e5_model

    tokenizer = AutoTokenizer.from_pretrained(str(ensure_e5_model(index_settings.model_cache_dir)), local_files_only=True)
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=514,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=1,
        initializer_range=0.5,  # scores spread widely, far from ties
    )
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_config(config)
    folder = tmp_path_factory.mktemp("tiny-cross-encoder")
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def plain(index_settings: Settings):
    r = Retriever(index_settings)
    yield r
    r.close()


@pytest.fixture(scope="module")
def reranked(index_settings: Settings, tiny_model: Path):
    r = Retriever(replace(index_settings, reranker_model=str(tiny_model), reranker_top=TOP))
    yield r
    r.close()


@pytest.fixture(scope="module")
def cross_encoder(tiny_model: Path):
    from sentence_transformers import CrossEncoder

    return CrossEncoder(str(tiny_model), device="cpu", local_files_only=True)


def _predict(cross_encoder, query: str, hits) -> list[float]:
    return [float(s) for s in cross_encoder.predict([(query, passage_text(h)) for h in hits])]


def test_the_top_candidates_follow_the_cross_encoder(plain, reranked, cross_encoder):
    reordered_any = False
    for query in QUERIES:
        assert repair_query(query) == query  # the reranker sees the query as written here
        before = plain.search(query, k=TOP)
        after = reranked.search(query, k=TOP)
        assert len(before) == TOP
        assert [h.rank for h in after] == list(range(1, TOP + 1))
        assert len({h.id for h in after}) == TOP
        assert {h.id for h in after} == {h.id for h in before}  # nothing lost, nothing added
        scores = _predict(cross_encoder, query, after)
        assert all(a >= b - TOLERANCE for a, b in itertools.pairwise(scores)), scores
        reordered_any |= [h.id for h in after] != [h.id for h in before]
        # scores stay on the fused scale and fall with rank
        assert after[0].score == pytest.approx(before[0].score, abs=1e-6)
        assert after[-1].score == pytest.approx(before[-1].score, abs=1e-6)
        assert all(a.score >= b.score for a, b in itertools.pairwise(after))
    assert reordered_any, "the reranker never changed the fused order"


def test_fewer_results_than_reranked_are_the_cross_encoders_best(plain, index_settings, tiny_model, cross_encoder):
    # more candidates reordered than the corpus has passages: the best of all of them comes first,
    # though without the reranker a search for one result fetches only a few
    wide = Retriever(replace(index_settings, reranker_model=str(tiny_model), reranker_top=50))
    try:
        for query in QUERIES:
            pool = plain.search(query, k=50)
            scores = _predict(cross_encoder, query, pool)
            best = max(range(len(pool)), key=lambda i: scores[i])
            got = wide.search(query, k=2)
            assert [h.rank for h in got] == [1, 2]
            assert got[0].id == pool[best].id, (query, best)
    finally:
        wide.close()


def test_hits_below_the_reranked_ones_keep_their_fused_place_and_score(plain, reranked, index_settings, tiny_model):
    narrow = Retriever(replace(index_settings, reranker_model=str(tiny_model), reranker_top=3))
    try:
        for query in QUERIES:
            before, after = plain.search(query, k=TOP), narrow.search(query, k=TOP)
            assert {h.id for h in after[:3]} == {h.id for h in before[:3]}
            assert [(h.id, h.rank, h.score) for h in after[3:]] == [(h.id, h.rank, h.score) for h in before[3:]]
    finally:
        narrow.close()


def test_the_reranker_reads_the_passage_with_its_title_and_headings(reranked):
    hit = reranked.search(QUERIES[0], k=1)[0]
    text = passage_text(hit)
    assert text.startswith(hit.title + " | ")
    assert hit.heading_path and hit.heading_path[-1] in text.split("\n")[0]
    assert text.endswith(hit.text)


def test_several_queries_in_one_batch_agree_with_one_by_one(reranked):
    together = reranked.search_many(QUERIES, k=5)
    alone = [reranked.search(q, k=5) for q in QUERIES]
    assert [[h.id for h in hits] for hits in together] == [[h.id for h in hits] for hits in alone]


def test_concurrent_searches_give_the_serial_results(index_settings, tiny_model, reranked):
    fresh = Retriever(replace(index_settings, reranker_model=str(tiny_model), reranker_top=TOP))
    expected = {q: [h.id for h in reranked.search(q, k=5)] for q in QUERIES}
    got: dict[str, list[str]] = {}
    errors: list[BaseException] = []

    def run(query: str) -> None:
        try:
            got[query] = [h.id for h in fresh.search(query, k=5)]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(q,)) for q in QUERIES]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        fresh.close()
    assert not errors and got == expected


def test_unset_means_no_reranking(plain, index_settings):
    assert Settings().reranker_model is None
    assert plain.reranker is None
    plain.search(QUERIES[0], k=5)
    assert "rerank" not in plain.timings


def test_settings_come_from_the_environment(monkeypatch, tiny_model):
    monkeypatch.setenv("NGO_RERANKER_MODEL", str(tiny_model))
    monkeypatch.setenv("NGO_RERANKER_TOP", "12")
    s = Settings.from_env()
    assert (s.reranker_model, s.reranker_top) == (str(tiny_model), 12)
    monkeypatch.setenv("NGO_RERANKER_MODEL", "")
    assert Settings.from_env().reranker_model is None


def test_a_missing_folder_is_named_and_searches_go_on_without_reranking(plain, index_settings, tmp_path, caplog):
    missing = tmp_path / "no-such-reranker"
    settings = replace(index_settings, reranker_model=str(missing))
    with pytest.raises(RerankerUnavailable) as err:
        load_reranker(settings)
    assert str(missing) in str(err.value) and "NGO_RERANKER_MODEL" in str(err.value)
    assert "does not exist" in str(err.value)

    r = Retriever(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="assistant.retrieval.retriever"):
            hits = r.search(QUERIES[1], k=TOP)
        assert [(h.id, h.score) for h in hits] == [(h.id, h.score) for h in plain.search(QUERIES[1], k=TOP)]
        assert r.reranker_problem and str(missing) in r.reranker_problem
        assert any(str(missing) in rec.getMessage() for rec in caplog.records)
    finally:
        r.close()


def test_a_folder_without_a_model_is_named(index_settings, tmp_path):
    empty = tmp_path / "empty-folder"
    empty.mkdir()
    with pytest.raises(RerankerUnavailable) as err:
        load_reranker(replace(index_settings, reranker_model=str(empty)))
    assert str(empty) in str(err.value) and "holds no cross-encoder" in str(err.value)


def test_a_hub_name_with_the_hub_off_is_named(index_settings, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    name = "example-owner/no-such-reranker"
    with pytest.raises(RerankerUnavailable) as err:
        load_reranker(replace(index_settings, reranker_model=name))
    assert name in str(err.value) and "HF_HUB_OFFLINE" in str(err.value)

"""Topics on the real corpus: the list, the lemma rules, the hand-labelled sample, the filter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.annotate import topics
from indexer.store.schema import SearchFilters

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


def test_topic_list_has_the_sixteen_areas_and_the_themes():
    listed = topics.list_topics()
    ids = [t["id"] for t in listed]
    assert len(ids) == len(set(ids))
    assert sum(t["kind"] == "statutory" for t in listed) == 16
    for theme in ("lokale", "finansowanie", "dostepnosc", "cudzoziemcy", "zdrowie_psychiczne", "uzaleznienia", "seniorzy"):
        assert theme in ids
    assert {t["id"]: t["label"] for t in listed}["lokale"].startswith("Polityka lokalowa")
    assert topics.list_topics("en")[0]["label"] == "Social assistance"


def test_rules_use_lemmas_and_ignore_unit_names():
    assert "lokale" in topics.rule_topics("Postulat szkolenia w zakresie możliwości pozyskiwania lokali z zasobów Gminy")
    assert "seniorzy" in topics.rule_topics("inicjatywy skierowane do seniorów i młodzieży")
    guests = "W spotkaniu uczestniczyła Pełnomocniczka Prezydenta Miasta Krakowa ds. Polityki Senioralnej."
    assert "seniorzy" not in topics.rule_topics(guests)
    # "dostępność lokali" is about how many premises there are, not accessibility
    assert topics.rule_topics("Zwiększenie dostępności lokali z zasobu gminy") == ["lokale"]
    law = "ustawy z dnia 24 kwietnia 2003 r. o działalności pożytku publicznego i o wolontariacie."
    assert "wolontariat" not in topics.rule_topics(law)


@pytest.fixture(scope="module")
def corpus_passages(prepared_corpus):
    return prepared_corpus


def test_precision_on_the_hand_labelled_sample(corpus_passages):
    labels = [json.loads(line) for line in (ROOT / "eval" / "topic_labels.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(labels) >= 30
    score = topics.score_labels(labels, corpus_passages)
    assert not score.missing_snippets
    assert score.precision >= 0.9, score.errors
    assert score.recall >= 0.8, score.errors


def test_every_point_has_topic_and_organisation_lists(corpus_passages):
    for passage in corpus_passages:
        payload = passage.payload()
        assert isinstance(payload["topics"], list) and isinstance(payload["organisations"], list)
    kurdybanek = next(p for p in corpus_passages if p.kind == "postulate" and "Kurdybanek" in (p.meta.get("organisation") or ""))
    assert "Fundacja Inicjatyw Twórczych i Społeczno-Edukacyjnych Kurdybanek" in kurdybanek.meta["organisations"]
    assert "uzaleznienia" in kurdybanek.meta["topics"]


def test_search_filters_by_topic(retriever):
    hits = retriever.search("wsparcie dla dzieci i młodzieży", k=10, filters=SearchFilters(topics=("zdrowie_psychiczne",)))
    assert hits
    assert all("zdrowie_psychiczne" in h.payload["topics"] for h in hits)
    assert {h.doc_id for h in hits} >= {"2025-06-24_spotkanie-branzowe-wpsrz-rpw-2026.txt"}
    orgs = retriever.search("lokale", k=5, filters=SearchFilters(organisations=("Małopolskie Stowarzyszenie Probacja",)))
    assert orgs and all("Małopolskie Stowarzyszenie Probacja" in h.payload["organisations"] for h in orgs)

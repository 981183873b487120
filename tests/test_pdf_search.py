"""A real multi-page PDF with Polish text: search results carry the page the passage is on."""

import pytest

from tests.conftest import make_pdf

PAGES = [
    "Sprawozdanie z konsultacji społecznych programu współpracy. Wprowadzenie i cel dokumentu.",
    "Rozdział drugi. Miejski ośrodek wspiera kluby seniora w dzielnicy Nowa Huta; zajęcia ruchowe dla osób starszych.",
    "Rozdział trzeci. Fundacja Zielony Żółw prowadzi warsztaty ekologiczne nad Wisłą i sprząta brzegi rzeki.",
    "Rozdział czwarty. Stowarzyszenie Łączy Nas uruchomiło punkt nieodpłatnej pomocy prawnej dla cudzoziemców.",
]


@pytest.fixture(scope="module")
def pdf_retriever(tmp_path_factory, settings):
    from dataclasses import replace

    from assistant.retrieval.retriever import Retriever
    from indexer.build import build

    folder = tmp_path_factory.mktemp("pdfcorpus")
    make_pdf(folder / "raport-konsultacji.pdf", PAGES, title="Raport z konsultacji 2024")
    local = replace(settings, index_dir=tmp_path_factory.mktemp("pdfindex"), qdrant_url=None)
    report = build([folder], local)
    assert report.ok and report.documents == 1
    r = Retriever(local)
    yield r
    r.close()


@pytest.mark.parametrize(
    "query, page",
    [
        ("warsztaty ekologiczne nad rzeką", 3),
        ("pomoc prawna dla obcokrajowców", 4),
        ("kluby seniora Nowa Huta", 2),
    ],
)
def test_hits_carry_the_right_page(pdf_retriever, query, page):
    top = pdf_retriever.search(query, k=1)[0]
    assert top.page == page
    assert top.title == "Raport z konsultacji 2024"

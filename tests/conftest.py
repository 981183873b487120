"""Shared fixtures: the real corpus indexed once per test session with the real model and engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at a fresh index folder (the model cache is the user's default)."""
    return Settings.from_env(index_dir=tmp_path_factory.mktemp("index"), corpus_dir=CORPUS)


@pytest.fixture(scope="session")
def corpus_index(settings: Settings):
    """The shipped corpus, built into the session's index folder."""
    from indexer.build import build

    report = build([CORPUS], settings)
    assert report.ok, report.errors
    return report


@pytest.fixture(scope="session")
def prepared_corpus():
    """Every point the document preparation makes of the shipped corpus (passages and records)."""
    from indexer.documents.loaders import load
    from indexer.documents.metadata import read_manifest
    from indexer.passages import describe, passages_of

    manifest = read_manifest(CORPUS)
    out = []
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in {".txt", ".md"}:
            raw = load(path, 10**8)
            out += passages_of(raw, path.name, describe(raw, manifest.get(path.name)))
    return out


@pytest.fixture(scope="session")
def retriever(settings: Settings, corpus_index):
    from assistant.retrieval.retriever import Retriever

    r = Retriever(settings)
    yield r
    r.close()


@pytest.fixture(scope="session")
def answerer(retriever):
    from assistant.answer.answering import Answerer

    return Answerer(retriever)


def polish_font() -> Path:
    """A TrueType font with Polish glyphs (DejaVu Sans, shipped inside matplotlib)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def make_pdf(path: Path, pages: list[str], title: str | None = None) -> Path:
    """Write a real PDF with one page per string, in a font that has Polish letters."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(polish_font()))
    if title:
        pdf.set_title(title)
    for text in pages:
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, text)
    pdf.output(str(path))
    return path

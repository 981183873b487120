"""The archive benchmark's parts: the generated documents are what they claim to be (a scan has
no text layer, the others load with their text), an edit keeps the other paragraphs, and the
stage sampler charges a real build's time to its stages."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from benchmarks.archive_docs import edit, generate
from benchmarks.archive_stages import StageSampler, run, stage_of_frame


def test_generated_archive_loads_and_scans_have_no_text(tmp_path: Path):
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    from indexer.documents.loaders import LoadError, load

    docs = generate(tmp_path / "docs", 20)
    kinds = {d.kind for d in docs}
    assert {"scan", "pdf", "html", "docx", "txt"} <= kinds, kinds
    assert [d.kind == "scan" for d in docs].count(True) == 2  # one in ten
    for n, doc in enumerate(docs):
        path = tmp_path / "docs" / doc.name
        if doc.kind == "scan":
            reader = PdfReader(io.BytesIO(path.read_bytes()))
            assert len(reader.pages) == doc.pages == len(pdfium.PdfDocument(path))
            assert all(not (page.extract_text() or "").strip() for page in reader.pages)
            continue
        try:
            text = load(path, 50_000_000).text
        except LoadError as exc:  # pragma: no cover - the message says which file failed
            raise AssertionError(f"{doc.name}: {exc}") from exc
        assert f"-{n}.0." in text and f"-{n}.{doc.paragraphs - 1}." in text, (doc.name, text[:300])
        assert "ó" in text or "ą" in text or "ę" in text
        if doc.kind == "pdf":
            assert doc.pages == len(PdfReader(path).pages)


def test_edit_adds_a_paragraph_and_keeps_the_others(tmp_path: Path):
    from indexer.documents.loaders import load

    folder = tmp_path / "docs"
    docs = generate(folder, 4)
    before = " ".join(load(folder / docs[1].name, 50_000_000).text.split())
    edited = edit(folder, docs[1], 1)
    after = " ".join(load(folder / edited.name, 50_000_000).text.split())
    assert edited.name == docs[1].name and edited.paragraphs == docs[1].paragraphs + 1
    assert "Uzupełnienie z dnia" in after and "Uzupełnienie z dnia" not in before
    assert after.startswith(before)


def test_stage_of_frame_follows_the_package_layout():
    import indexer.text.repair
    import indexer.vectors.embeddings

    assert stage_of_frame(indexer.text.repair.__file__, "repair_text") == "repair"
    assert stage_of_frame(indexer.vectors.embeddings.__file__, "encode_passages") == "embed"
    assert stage_of_frame(indexer.vectors.embeddings.__file__, "load_embedder") == "model_load"
    assert stage_of_frame(threading.__file__, "run") is None


def test_sampler_charges_a_real_build_to_its_stages(tmp_path: Path):
    docs = [d for d in generate(tmp_path / "docs", 12) if d.kind == "txt"]
    for path in (tmp_path / "docs").iterdir():
        if path.suffix != ".txt":
            path.unlink()
    from indexer.vectors.embeddings import clear_embedder_cache

    clear_embedder_cache()  # the model is cached per process: earlier tests of the session loaded it
    result = run(str(tmp_path / "docs"), str(tmp_path / "idx"))
    assert result["documents"] == len(docs) > 0 and not result["errors"]
    stages = result["stages_s"]
    # a few small documents: the model dominates; preparing them takes a few samples at most
    assert stages.get("embed", 0) > 0 and stages.get("model_load", 0) > 0, stages
    assert sum(stages.get(s, 0) for s in ("load", "repair", "chunk", "annotate", "lexical")) > 0, stages
    assert abs(sum(stages.values()) - result["wall_s"]) < 0.1 * result["wall_s"], (stages, result["wall_s"])
    assert result["peak_rss_mb"] > 100


def test_sampler_sees_only_its_thread():
    import time

    with StageSampler(threading.get_ident()) as sampler:
        time.sleep(0.2)
    assert set(sampler.seconds) == {"other"} and 0.15 < sampler.seconds["other"] < 0.5

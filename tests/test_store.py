"""Both store backends hold the same schema and give the same answers on the real corpus index."""

import pytest

from indexer.store.base import copy_points
from indexer.store.edge import EdgeStore
from indexer.store.schema import SearchFilters, SearchRequest
from indexer.store.server import ClientStore
from indexer.versions import SHARD, current_version_dir


@pytest.fixture(scope="module")
def stores(settings, corpus_index):
    edge = EdgeStore(current_version_dir(settings.index_dir) / SHARD)
    server = ClientStore.connect(":memory:", None, "ngo_test", dim=384)
    copied = copy_points(edge, server)
    assert copied == corpus_index.chunks
    yield edge, server
    edge.close()
    server.close()


def _requests(retriever, query, **kwargs):
    from indexer.text.analyzer import Bm25Weights

    dense = retriever.embed_queries([query])[0]
    return {mode: SearchRequest(dense, Bm25Weights().query(query), mode=mode, **kwargs) for mode in ("hybrid", "dense", "sparse")}


def test_server_backend_agrees_with_the_embedded_engine(stores, retriever):
    edge, server = stores
    for query in ("Krakowskie Forum Lokalowe", "mieszkania komunalne eksmisje", "wsparcie seniorów migrantów"):
        for mode, request in _requests(retriever, query, limit=5).items():
            # the engines may order exactly tied scores differently: compare in a tie-stable order
            a = sorted(edge.search(request), key=lambda h: (-round(h.score, 5), h.id))
            b = sorted(server.search(request), key=lambda h: (-round(h.score, 5), h.id))
            assert [h.id for h in a[:3]] == [h.id for h in b[:3]], (query, mode)


def test_filters_restrict_by_date_type_and_document(stores, retriever):
    edge, server = stores
    cases = [
        (SearchFilters(date_from="2025", date_to="2026-12-31"), lambda p: p["date"] >= "2025"),
        (SearchFilters(date_to="2011"), lambda p: p["date"] <= "2011-12-31"),
        (SearchFilters(types=("minutes",)), lambda p: p["type"] == "minutes"),
        (
            SearchFilters(doc_ids=("2011-11-23_program-wspolpracy-drugie-czytanie.md",)),
            lambda p: p["doc_id"].startswith("2011-11-23"),
        ),
    ]
    for filters, check in cases:
        for store in (edge, server):
            hits = store.search(_requests(retriever, "współpraca z organizacjami", limit=20, filters=filters)["hybrid"])
            assert hits and all(check(h.payload) for h in hits), filters


def test_schema_has_idf_sparse_vector_and_payload(stores):
    _, server = stores
    info = server.client.get_collection(server.collection)
    assert info.config.params.sparse_vectors["sparse"].modifier.name == "IDF"
    assert info.config.params.vectors["dense"].distance.name == "COSINE"
    payload = next(server.scroll()).payload
    for key in ("doc_id", "title", "date", "type", "source", "page", "heading_path", "text"):
        assert key in payload


def test_reindexing_never_duplicates_points(settings, corpus_index, tmp_path):
    from indexer.build import build

    report = build([settings.corpus_dir], settings)
    assert report.chunks == corpus_index.chunks
    assert report.reused == report.chunks and report.embedded == 0  # unchanged documents reuse vectors
    edge = EdgeStore(current_version_dir(settings.index_dir) / SHARD)
    try:
        assert edge.count() == corpus_index.chunks
    finally:
        edge.close()

"""Score fusion of the hybrid search (indexer/store/fusion.py, indexer/store/base.py) on real searches of the corpus index."""

from __future__ import annotations

from indexer.store import fusion
from indexer.store.schema import SearchFilters, SearchRequest


def test_fuse_normalises_each_list_and_weights_them():
    dense = {"a": 0.90, "b": 0.80, "c": 0.70}
    sentences = {"a": 0.70, "b": 0.90, "c": 0.80}
    sparse = {"c": 12.0, "a": 2.0}
    ranked = {key: round(score, 9) for key, score in fusion.fuse(dense, sentences, sparse, lexical_weight=1.0)}
    # a: 0.5*1 + 0.5*0 + 0.5*0 ; b: 0.5*0.5 + 0.5*1 + 0 ; c: 0 + 0.5*0.5 + 0.5*1
    assert ranked == {"a": 0.5, "b": 0.75, "c": 0.75}
    # a foreign-language query (lexical weight 0) is ranked by meaning alone
    assert round(dict(fusion.fuse(dense, sentences, sparse, lexical_weight=0.0))["c"], 9) == 0.25


def test_fused_search_on_the_corpus_is_the_fusion_of_its_lists(retriever):
    """The store's fused hybrid search equals fusing its own dense, sentence and sparse scores."""
    query = "Które postulaty dotyczyły polityki lokalowej?"
    vector = retriever.embed_queries([query])[0]
    request = SearchRequest(dense=vector, sparse=retriever._bm25.query(query), limit=5,
                            filters=SearchFilters(kinds=("passage",)), lexical_weight=1.0)
    store = retriever.store
    hits = store.search(request)
    dense = {h.id: h.score for h in store.rescore(request, "dense")}
    sentences = {h.id: h.score for h in store.rescore(request, "sentences")}
    sparse = {h.id: h.score for h in store.search(SearchRequest(
        dense=vector, sparse=request.sparse, limit=50, mode="sparse", filters=request.filters))}
    expected = fusion.fuse(dense, sentences, sparse, lexical_weight=1.0)[:5]
    assert [h.id for h in hits] == [key for key, _ in expected]
    assert all(0.0 < s <= 1.0 for s in sentences.values())  # MaxSim of one query vector: a cosine
    assert len(sentences) == len(dense)  # every candidate has sentence vectors


def test_stored_sentence_vectors_are_the_embeddings_of_the_payload_spans(retriever):
    """Each passage stores one vector per sentence span of its payload (then its list lead), so
    the answerer can quote a span and use its vector without embedding it again."""
    import numpy as np

    store = retriever.store
    hit = next(h for h in store.scroll(SearchFilters(kinds=("passage",))) if len(h.payload["sentences"]) >= 3)
    rows = np.asarray(store.sentence_vectors([hit.id])[hit.id])
    texts = [hit.payload["text"][s:e] for s, e in hit.payload["sentences"]]
    assert len(rows) == len(texts) + bool(hit.payload.get("lead"))
    fresh = np.asarray(retriever.embedder.encode_passages(texts))
    assert np.all(np.sum(rows[: len(texts)] * fresh, axis=1) > 0.99)
    assert store.sentence_vectors([]) == {}

"""The hybrid search as a LangChain retriever: the langchain-tests standard suite, and what the
documents carry. The corpus index is built once per session (tests/conftest.py)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from assistant.retrieval.langchain_retriever import HybridSearchRetriever
from indexer.store.schema import SearchFilters


@pytest.fixture(scope="module")
def searcher(settings, corpus_index):
    """A Retriever over the session's corpus index (the standard suite's own fixture is
    named ``retriever``, so this one has another name)."""
    from assistant.retrieval.retriever import Retriever

    r = Retriever(settings)
    yield r
    r.close()


@pytest.mark.asyncio  # the suite's ainvoke test is a coroutine; its sync tests ignore the mark
@pytest.mark.filterwarnings("ignore:The test <Function .*> is marked with '@pytest.mark.asyncio'")
class TestHybridSearchRetrieverStandard(RetrieversIntegrationTests):
    """The standard retriever tests of langchain-tests, over the real corpus index."""

    backend = None

    @pytest.fixture(autouse=True)
    def _index(self, searcher):
        type(self).backend = searcher

    @property
    def retriever_constructor(self) -> type[HybridSearchRetriever]:
        return HybridSearchRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"searcher": type(self).backend}

    @property
    def retriever_query_example(self) -> str:
        return "polityka lokalowa i lokale dla organizacji"


def test_documents_carry_citable_metadata(searcher):
    docs = HybridSearchRetriever(searcher=searcher, k=3).invoke("Pod jakim adresem działa Centrum Obywatelskie?")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    assert "Reymonta 20" in docs[0].page_content
    meta = docs[0].metadata
    assert meta["source"].endswith("2020-06-10_sprawozdanie-wspolpraca-ngo-2019.md")
    assert meta["date"] == "2020-06-10" and meta["rank"] == 1 and meta["title"]
    assert {"page", "doc_id", "heading_path", "score", "kind"} <= set(meta)


def test_filters_and_k_per_call(searcher):
    lc = HybridSearchRetriever(searcher=searcher, filters=SearchFilters(date_to="2011-12-31"))
    docs = lc.invoke("współpraca z organizacjami", k=2)
    assert len(docs) == 2 and all(d.metadata["date"] <= "2011-12-31" for d in docs)


@pytest.mark.asyncio
async def test_async_matches_sync(searcher):
    lc = HybridSearchRetriever(searcher=searcher, k=2)
    sync_docs = lc.invoke("fundusz wkładów własnych")
    async_docs = await lc.ainvoke("fundusz wkładów własnych")
    assert [d.page_content for d in async_docs] == [d.page_content for d in sync_docs]

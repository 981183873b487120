"""The hybrid search as a LangChain retriever, for chains and agents built with LangChain.

``HybridSearchRetriever(searcher=Retriever(settings), k=4).invoke("polityka lokalowa")`` returns
LangChain ``Document`` objects: the passage text, with source, title, date, page, rank and the
fused score in the metadata. ``k`` can also be passed per call (``invoke(query, k=2)``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict, Field

from assistant.retrieval.retriever import Hit, Retriever
from indexer.settings import Settings
from indexer.store.schema import SearchFilters

METADATA_FIELDS = ("source", "title", "date", "type", "page", "doc_id", "heading_path", "chunk_no", "rank", "score")


def to_document(hit: Hit) -> Document:
    """A search hit as a LangChain document (the passage as content, the rest as metadata)."""
    metadata: dict[str, Any] = {name: getattr(hit, name) for name in METADATA_FIELDS}
    metadata["id"] = hit.id
    metadata["kind"] = (hit.payload or {}).get("kind", "passage")
    return Document(page_content=hit.text, metadata=metadata, id=hit.id or None)


class HybridSearchRetriever(BaseRetriever):
    """LangChain retriever over the hybrid (dense + lexical, RRF) search of the index."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    searcher: Any = None  # an assistant.retrieval.retriever.Retriever (made from ``settings`` when absent)
    settings: Any = None  # indexer.settings.Settings
    k: int = 4
    filters: SearchFilters = Field(default_factory=SearchFilters)
    mode: str = "hybrid"

    def _searcher(self) -> Retriever:
        if self.searcher is None:
            self.searcher = Retriever(self.settings or Settings.from_env())
        return self.searcher

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        k = int(kwargs.get("k", self.k))
        filters = kwargs.get("filters", self.filters)
        hits = self._searcher().search(query, k=k, filters=filters, mode=kwargs.get("mode", self.mode))
        return [to_document(h) for h in hits[:k]]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        # the search is CPU-bound and thread-safe (the retriever locks the store): run it off the loop
        return await asyncio.to_thread(
            self._get_relevant_documents, query, run_manager=run_manager.get_sync(), **kwargs
        )

"""The systems ours is compared with, on the same questions in the same run.

Baselines: lexical only (BM25 over Morfeusz lemmas, our sparse side alone), dense only (our dense
side alone) and the pipeline a developer copies from a LangChain tutorial (RecursiveCharacterTextSplitter
1000/200 over the raw text, the same embedding model, top-k cosine). Ablations of ours: no text
repair, no structure-aware chunking (fixed windows), plain RRF instead of the coverage-weighted
fusion; "no fusion" at all is what the two single-side rows show. Ablations are built into
temporary indexes by the indexer's own build, with only the passage preparation swapped.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from assistant.retrieval.retriever import Retriever
from eval.systems import IndexSystem, Ranked, System
from indexer import passages as prep
from indexer.documents import cleaning
from indexer.documents.loaders import LoadError, Page, RawDocument, load
from indexer.passages import Passage
from indexer.settings import Settings
from indexer.text import chunking

logger = logging.getLogger(__name__)

TUTORIAL_CHUNK_SIZE = 1000
TUTORIAL_CHUNK_OVERLAP = 200
WINDOW_CHARS = getattr(chunking, "TARGET_CHARS", 700)

Preparation = Callable[[RawDocument, str, dict[str, Any]], list[Passage]]

# name -> label, in the order the report shows them; "ours" first.
SYSTEMS: dict[str, str] = {
    "ours": "ours: hybrid, score fusion with best sentence",
    "lexical": "lexical only (BM25 over lemmas)",
    "dense": "dense only (e5)",
    "tutorial": "LangChain tutorial (1000/200 splitter, cosine)",
    "no_repair": "ours − text repair",
    "fixed_windows": "ours − structure-aware chunks",
    "no_sentences": "ours − best-sentence similarity",
    "plain_rrf": "ours − score fusion (plain RRF)",
}
BASELINES = ("lexical", "dense", "tutorial")
ABLATIONS = ("no_repair", "fixed_windows", "no_sentences", "plain_rrf")


# --------------------------------------------------------------------------- LangChain tutorial


class TutorialSystem:
    """RecursiveCharacterTextSplitter(1000, 200) over each file's raw text (a page at a time, as
    LangChain's loaders give it), embedded with our model and its prompts, searched by plain
    cosine over all chunks in memory: no cleaning, no structure, no lexical side."""

    name = "tutorial"
    label = SYSTEMS["tutorial"]

    def __init__(self, files: Sequence[Path], settings: Settings) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from indexer.vectors.embeddings import load_embedder

        splitter = RecursiveCharacterTextSplitter(chunk_size=TUTORIAL_CHUNK_SIZE, chunk_overlap=TUTORIAL_CHUNK_OVERLAP)
        self.chunks: list[Ranked] = []
        for path in files:
            try:
                raw = load(path, settings.max_file_bytes)
            except LoadError as exc:
                logger.warning("tutorial baseline skips %s: %s", path, exc)
                continue
            for page in raw.pages:
                for text in splitter.split_text(page.text):
                    self.chunks.append(Ranked(f"{path.name}#{len(self.chunks)}", path.name, text))
        self.embedder = load_embedder(settings)
        self.matrix = self.embedder.encode_passages([c.text for c in self.chunks])

    def warm_up(self) -> None:
        self.embedder.encode_queries(["rozgrzewka"])

    def search(self, query: str, k: int) -> list[Ranked]:
        scores = self.matrix @ self.embedder.encode_queries([query])[0]
        return [self.chunks[i] for i in np.argsort(-scores, kind="stable")[:k]]

    def passages(self) -> Iterator[Ranked]:
        return iter(self.chunks)


# --------------------------------------------------------------------------- ablations


def prepare_without_repair(raw: RawDocument, doc_id: str, meta: dict[str, Any], ours: Preparation) -> list[Passage]:
    """Our preparation with the text repair step switched off (text only normalised): through
    ``passages_of(..., repair=False)`` when the indexer offers it, else by running ours with
    ``indexer.text.repair.repair_text`` returning its input, else normalise-and-chunk."""
    if "repair" in inspect.signature(ours).parameters:
        return ours(raw, doc_id, meta, repair=False)  # type: ignore[call-arg]
    repair = getattr(prep, "repair", None)
    if repair is not None and hasattr(repair, "repair_text"):
        with _repair_switched_off(repair):
            return ours(raw, doc_id, meta)
    pages = [Page(page.number, cleaning.normalize(page.text)) for page in raw.pages]
    return [Passage(doc_id, n, raw.content_hash, chunk.text, chunk.page, chunk.heading_path, meta) for n, chunk in enumerate(chunking.chunk_pages(pages))]


@contextmanager
def _repair_switched_off(repair: Any) -> Iterator[None]:
    original = repair.repair_text

    def unchanged(text: str, *args: Any, **kwargs: Any) -> Any:
        return repair.RepairResult(text)

    repair.repair_text = unchanged
    try:
        yield
    finally:
        repair.repair_text = original


def prepare_fixed_windows(raw: RawDocument, doc_id: str, meta: dict[str, Any], ours: Preparation) -> list[Passage]:
    """The very text our preparation produces (cleaned, repaired, headings included) cut into
    fixed windows of our target size instead of along its structure, with no heading path;
    other kinds of points (records) stay as ours makes them. Only the chunking differs."""
    prepared = ours(raw, doc_id, meta)
    passages: list[Passage] = []
    for page, text in _pages_of(p for p in prepared if p.kind == "passage"):
        for window in fixed_windows(text, WINDOW_CHARS):
            passages.append(Passage(doc_id, len(passages), raw.content_hash, window, page, (), meta))
    return passages + _records(prepared)


def _pages_of(passages: Iterable[Passage]) -> list[tuple[int | None, str]]:
    """Our passages put back together, page by page: each heading written where it starts."""
    pages: list[tuple[int | None, list[str]]] = []
    path: tuple[str, ...] = ()
    for p in passages:
        if not pages or pages[-1][0] != p.page:
            pages.append((p.page, []))
        shared = 0
        while shared < min(len(path), len(p.heading_path)) and path[shared] == p.heading_path[shared]:
            shared += 1
        pages[-1][1].extend(p.heading_path[shared:])
        pages[-1][1].append(p.text)
        path = p.heading_path
    return [(page, "\n".join(parts)) for page, parts in pages]


def fixed_windows(text: str, size: int) -> list[str]:
    """``text`` with its whitespace collapsed, cut between words into pieces of at most ``size``
    characters (a longer word is a piece of its own)."""
    pieces: list[str] = []
    current = ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > size:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces


def _records(passages: list[Passage]) -> list[Passage]:
    return [p for p in passages if p.kind != "passage"]


def build_variant(ablation: Callable[..., list[Passage]], corpus: Sequence[Path], settings: Settings, index_dir: Path) -> Settings:
    """Build ``corpus`` into ``index_dir`` with the indexer's own build, passages prepared by
    ``ablation`` instead of ``indexer.passages.passages_of``; returns the variant's settings."""
    from indexer import build as build_module

    ours = prep.passages_of

    def prepare(raw: RawDocument, doc_id: str, meta: dict[str, Any], **options: Any) -> list[Passage]:
        return ablation(raw, doc_id, meta, ours=partial(ours, **options))

    variant = replace(settings, index_dir=index_dir, qdrant_url=None)
    if "prepare" in inspect.signature(build_module.build).parameters:
        report = build_module.build(list(corpus), variant, prepare=prepare)  # type: ignore[call-arg]
    else:  # the build reads prep.passages_of at call time: swap it for this build only
        prep.passages_of = prepare
        try:
            report = build_module.build(list(corpus), variant)
        finally:
            prep.passages_of = ours
    if report.errors:
        logger.warning("ablation build problems: %s", report.errors)
    return variant


class NoSentencesRetriever(Retriever):
    """Our retriever with the passage vector alone standing for a passage (no sentence vectors)."""

    sentence_share = 0.0


class PlainRrfRetriever(Retriever):
    """Reciprocal rank fusion of the passage and lexical lists, always weighted equally."""

    fusion = "rrf"

    def lexical_weight(self, query: str) -> float:
        return 1.0


# --------------------------------------------------------------------------- all systems


def make_systems(
    names: Sequence[str],
    settings: Settings,
    retriever: Retriever,
    workdir: Path,
    corpus: Sequence[Path] | None = None,
) -> tuple[list[System], dict[str, float]]:
    """The systems named (in the report's order) and the seconds each took to set up, the
    rebuilt ones from the folders of ``corpus`` (default: the settings' corpus folder)."""
    from indexer.build import discover

    corpus = list(corpus or [settings.corpus_dir])
    rebuilt = {"tutorial", "no_repair", "fixed_windows"} & set(names)
    missing = [str(folder) for folder in corpus if not Path(folder).is_dir()]
    if rebuilt and missing:
        raise FileNotFoundError(
            f"the corpus folder {', '.join(missing)} is missing (needed for {', '.join(sorted(rebuilt))}); run from the repository root or set NGO_CORPUS_DIR"
        )
    systems: list[System] = []
    seconds: dict[str, float] = {}
    for name in [n for n in SYSTEMS if n in names]:
        t0 = time.perf_counter()
        label = SYSTEMS[name]
        if name == "ours":
            system: System = IndexSystem(name, label, retriever, "hybrid")
        elif name == "lexical":
            system = IndexSystem(name, label, retriever, "sparse")
        elif name == "dense":
            system = IndexSystem(name, label, retriever, "dense")
        elif name == "tutorial":
            files, _ = discover(corpus)
            system = TutorialSystem(files, settings)
        elif name in ("plain_rrf", "no_sentences"):
            variant_retriever = {"plain_rrf": PlainRrfRetriever, "no_sentences": NoSentencesRetriever}[name]
            system = IndexSystem(name, label, variant_retriever(settings, store=retriever.store), "hybrid")
        else:
            ablation = {"no_repair": prepare_without_repair, "fixed_windows": prepare_fixed_windows}[name]
            variant = build_variant(ablation, corpus, settings, workdir / name)
            system = IndexSystem(name, label, Retriever(variant), "hybrid", owns_retriever=True)
        systems.append(system)
        seconds[name] = time.perf_counter() - t0
    return systems, seconds

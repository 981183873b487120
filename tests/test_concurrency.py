"""Concurrency: the app keeps answering while a build runs, sees the new version once it is
published, and a second simultaneous build is refused (exit code 4)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.errors import BuildLockedError
from indexer.settings import Settings
from indexer.versions import (
    LiveStore,
    build_lock,
    current_version_dir,
    read_manifest,
)
from tests.conftest import CORPUS, ROOT
from tests.synthetic_corpus import write_documents

NEW_DOC = "2026-05-01_rowery-miejskie.txt"
NEW_TEXT = (
    "Komunikat o wypożyczalni rowerów\n\n"
    "Zarząd Transportu Publicznego uruchomił miejską wypożyczalnię rowerów elektrycznych "
    "z czterdziestoma stacjami w Bronowicach i na Kazimierzu. Stowarzyszenie cyklistów "
    "pomoże w konserwacji rowerów i w szkoleniach z bezpiecznej jazdy."
)
QUERY_OLD = "Krakowskie Forum Lokalowe"
QUERY_NEW = "wypożyczalnia rowerów elektrycznych stacje w Bronowicach"


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from indexer.build import build

    index = tmp_path_factory.mktemp("conc-base") / "idx"
    assert build([CORPUS], Settings.from_env(index_dir=index)).ok
    return index


@pytest.fixture
def index(base_index: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "idx"
    shutil.copytree(base_index, copy)
    return copy


@pytest.fixture(scope="module")
def next_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Next week's corpus: the same documents, one news item, and enough new archive to embed
    for several seconds."""
    folder = tmp_path_factory.mktemp("next-corpus")
    for path in CORPUS.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / NEW_DOC).write_text(NEW_TEXT, encoding="utf-8")
    write_documents(folder / "archiwum", count=12, paragraphs_each=8)
    return folder


def _reader(proc: subprocess.Popen, sink: list[str]) -> threading.Thread:
    def run() -> None:
        while chunk := proc.stderr.read1(4096):
            sink.append(chunk.decode("utf-8", "replace"))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_app_answers_during_a_build_and_sees_the_new_version_after(index: Path, next_corpus: Path):
    from assistant.retrieval.retriever import Retriever
    from indexer.build import build

    settings = Settings.from_env(index_dir=index)
    old_version = current_version_dir(index).name
    old_docs = set(read_manifest(index).documents)
    retriever = Retriever(settings)
    try:
        assert retriever.search(QUERY_OLD, k=5)
        proc = subprocess.Popen(
            [sys.executable, "-m", "indexer", "build", str(next_corpus), "--index", str(index)],
            cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
        )
        stderr: list[str] = []
        thread = _reader(proc, stderr)
        answered_during_embedding = 0
        refused_during_build = False
        while proc.poll() is None:
            hits = retriever.search(QUERY_OLD, k=5)
            assert hits, "the app stopped answering during a build"
            text = "".join(stderr)
            if current_version_dir(index).name == old_version:
                # Until the switch, readers see only the old version's documents.
                assert {h.doc_id for h in hits} <= old_docs
                if re.search(r"embedding\s+\[", text):
                    answered_during_embedding += 1
                    if not refused_during_build:
                        with pytest.raises(BuildLockedError, match="another build of the index"):
                            build([CORPUS], settings)
                        refused_during_build = True
            time.sleep(0.1)
        thread.join(timeout=30)
        assert proc.returncode == 0, "".join(stderr)
        assert answered_during_embedding >= 5 and refused_during_build

        # The same Retriever, not reopened, now answers from the new version.
        top = retriever.search(QUERY_NEW, k=3)
        assert top[0].doc_id == NEW_DOC, [h.doc_id for h in top]
        assert retriever.store.version == current_version_dir(index).name != old_version
    finally:
        retriever.close()


def test_second_simultaneous_build_exits_4(index: Path):
    with build_lock(index):  # a build in progress holds this lock
        result = subprocess.run(
            [sys.executable, "-m", "indexer", "build", str(CORPUS), "--index", str(index)],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )
    assert result.returncode == 4
    assert f"error: another build of the index in {index} is running; try again when it ends" in result.stderr


def test_a_version_still_being_read_is_not_removed(index: Path):
    from indexer.build import build

    settings = Settings.from_env(index_dir=index)
    reader = LiveStore(index)  # opened on the first version, then left idle
    first = reader.version
    try:
        for _ in range(3):  # three newer versions: the first would normally be pruned
            assert build([CORPUS], settings).embedded == 0
        assert (index / "versions" / first / "shard").is_dir()
        assert reader._store.count() == read_manifest(index).chunk_count  # still readable
        assert reader.count() > 0 and reader.version == current_version_dir(index).name  # moves on at its next use
    finally:
        reader.close()
    build([CORPUS], settings)
    assert not (index / "versions" / first).exists()
    assert len(list((index / "versions").iterdir())) == 2

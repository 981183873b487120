"""Atomicity: an indexer killed (SIGKILL) or interrupted (SIGINT) mid-embedding leaves the
previous version live and searchable; the next build removes what the dead one left behind."""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer.settings import Settings
from indexer.versions import current_version_dir, read_manifest
from tests.conftest import CORPUS, ROOT
from tests.synthetic_corpus import write_documents

QUERY = "Krakowskie Forum Lokalowe"


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus plus synthetic documents: a few hundred passages to embed."""
    folder = tmp_path_factory.mktemp("big-corpus")
    for path in CORPUS.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    write_documents(folder / "archiwum", count=40, paragraphs_each=8)
    return folder


@pytest.fixture(scope="module")
def base_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real corpus indexed once; each test works on a copy."""
    from indexer.build import build

    index = tmp_path_factory.mktemp("kill-base") / "idx"
    assert build([CORPUS], Settings.from_env(index_dir=index)).ok
    return index


class _StderrReader:
    """Collects a child's stderr in a thread (progress lines end in carriage returns)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.text = ""
        self._thread = threading.Thread(target=self._run, args=(proc,), daemon=True)
        self._thread.start()

    def _run(self, proc: subprocess.Popen) -> None:
        while True:
            chunk = proc.stderr.read1(4096)
            if not chunk:
                return
            self.text += chunk.decode("utf-8", "replace")

    def finish(self) -> str:
        self._thread.join(timeout=30)
        return self.text


def _wait_for_embedding(proc: subprocess.Popen, reader: _StderrReader, timeout: float = 300.0) -> None:
    """Wait until the build has been embedding for a second (and has not finished)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        progress = re.findall(r"embedding\s+\[[#.]*\] (\d+)/(\d+)", reader.text)
        if progress and int(progress[-1][1]) > 100:
            time.sleep(1.0)
            assert proc.poll() is None, reader.text
            return
        if proc.poll() is not None:
            raise AssertionError(f"the build ended before it was killed:\n{reader.text}")
        time.sleep(0.05)
    raise AssertionError(f"no embedding progress seen:\n{reader.text}")


def _search_ids(index: Path) -> set[str]:
    from assistant.retrieval.retriever import Retriever

    retriever = Retriever(Settings.from_env(index_dir=index))
    try:
        hits = retriever.search(QUERY, k=10)
        assert hits and hits[0].text
        return {hit.doc_id for hit in hits}
    finally:
        retriever.close()


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_build_leaves_the_previous_index_live(sig, big_corpus: Path, base_index: Path, tmp_path: Path):
    from indexer.build import build

    index = tmp_path / "idx"
    shutil.copytree(base_index, index)
    settings = Settings.from_env(index_dir=index)
    live = current_version_dir(index)
    before = _search_ids(index)
    assert before <= set(read_manifest(index).documents)

    proc = subprocess.Popen(
        [sys.executable, "-m", "indexer", "build", str(big_corpus), "--index", str(index)],
        cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
    )
    reader = _StderrReader(proc)
    try:
        _wait_for_embedding(proc, reader)
        proc.send_signal(sig)
        proc.wait(timeout=120)
        rest = reader.finish()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if sig == signal.SIGKILL:
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == 130, rest
        assert "interrupted: nothing was changed, the previous index is still live" in rest

    # The previous version is still the live one and answers as before.
    assert current_version_dir(index) == live
    assert _search_ids(index) == before
    leftovers = [p for p in (index / "versions").iterdir() if p != live]
    if sig == signal.SIGINT:
        assert leftovers == []  # an interrupted build removes its own unfinished version
    else:
        assert len(leftovers) == 1 and not (leftovers[0] / "index.json").exists()

    # The lock died with the process: the next build runs, and clears what the dead one left.
    again = build([CORPUS], settings)
    assert again.ok and again.embedded == 0
    assert sorted(again.cleaned_up) == sorted(p.name for p in leftovers)
    assert all(not p.exists() for p in leftovers)
    assert _search_ids(index) == before

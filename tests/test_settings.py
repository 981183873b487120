"""Settings: defaults written once, every field readable from its environment variable."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from indexer.settings import _ENVIRONMENT, Settings


def test_every_setting_has_one_variable() -> None:
    assert set(_ENVIRONMENT) == {f.name for f in fields(Settings)}
    variables = [variable for variable, _convert in _ENVIRONMENT.values()]
    assert len(variables) == len(set(variables))


def test_from_env_keeps_the_defaults_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, _convert in _ENVIRONMENT.values():
        monkeypatch.delenv(variable, raising=False)
    assert Settings.from_env() == Settings()
    monkeypatch.setenv("NGO_INDEX_DIR", "/tmp/some-index")
    monkeypatch.setenv("NGO_LLM_THREADS", "3")
    monkeypatch.setenv("NGO_LLM_TEMPERATURE", "0.5")
    monkeypatch.setenv("NGO_COLLECTION", "")  # empty counts as unset
    settings = Settings.from_env(llm_max_tokens=100, corpus_dir=None)
    assert settings.index_dir == Path("/tmp/some-index")
    assert settings.llm_threads == 3 and settings.llm_temperature == 0.5
    assert settings.collection == Settings().collection
    assert settings.llm_max_tokens == 100 and settings.corpus_dir == Settings().corpus_dir

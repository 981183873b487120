"""SentencePiece "precompiled charsmap": the normaliser format of XLM-RoBERTa tokenizers."""

from __future__ import annotations

import struct


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
        children, leaf = trie[node]
        labels = sorted(children)
        slots = ([0] if leaf[0] is not None else []) + labels
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
        if leaf[0] is not None:
            units[pos] |= 1 << 8  # has_leaf
            units[base] = leaf[0] | (1 << 31)
            used[base] = 1
        for c in labels:
            child_pos = base ^ c
            units[child_pos] = c
            used[child_pos] = 1
            stack.append((children[c], child_pos))

    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(blob)

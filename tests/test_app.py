"""The web app, tab by tab, through Streamlit's AppTest on the real corpus index and model."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import CORPUS, make_pdf

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
QUESTION = "Które postulaty dotyczyły polityki lokalowej?"
MINUTES_2025 = "2025-06-24_spotkanie-branzowe-wpsrz-rpw-2026.txt"
TIMEOUT = 300


@pytest.fixture
def app_env(monkeypatch: pytest.MonkeyPatch, settings, corpus_index):
    """The app pointed at the session's corpus index, no admin password."""
    monkeypatch.setenv("NGO_INDEX_DIR", str(settings.index_dir))
    monkeypatch.setenv("NGO_CORPUS_DIR", str(CORPUS))
    monkeypatch.delenv("NGO_ADMIN_PASSWORD", raising=False)
    return settings


def start(tab: str | None = None, lang: str = "pl") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, at.exception
    if lang != "pl":
        at.radio(key="lang").set_value(lang).run()
    if tab:
        at.session_state[f"tab_{lang}"] = tab
        at.run()
    assert not at.exception, at.exception
    return at


def ask(at: AppTest, question: str) -> AppTest:
    at.chat_input(key="chat_input").set_value(question).run()
    assert not at.exception, at.exception
    return at


def plain(markdown: str) -> str:
    """Markdown source with backslash escapes removed (what the reader sees, formatting aside)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def texts(element) -> str:
    return plain("\n".join(m.value for m in element.markdown))


# --------------------------------------------------------------------------- chat


def test_chat_answer_cites_the_2025_minutes_and_the_citation_opens(app_env):
    at = ask(start(), QUESTION)
    answer = [m for m in at.chat_message if m.name == "assistant"]
    assert len(answer) == 1
    assert "[1]" in texts(answer[0])
    labels = [plain(e.label) for e in at.expander]
    assert any("Podsumowanie II spotkania branżowego" in label and "(2025-06-24)" in label for label in labels), labels
    cite = next(e for e in at.expander if "Podsumowanie II spotkania" in e.label)
    body = texts(cite)
    assert "**Data:** 2025-06-24" in body and "Protokół / notatka ze spotkania" in body
    # the quote is in bold inside the passage it came from, and the original file is linked
    assert body.count("**") >= 6
    link = f"(app/static/corpus/{MINUTES_2025})"
    assert link in body
    served = ROOT / "static" / "corpus" / MINUTES_2025
    assert served.read_bytes() == (CORPUS / MINUTES_2025).read_bytes()
    # the history stays: a second question adds a second exchange
    at = ask(at, "Jakie są obszary współpracy z organizacjami pozarządowymi?")
    assert len([m for m in at.chat_message if m.name == "user"]) == 2


def test_sidebar_filters_restrict_the_sources(app_env):
    at = start()
    at.multiselect(key="types").set_value(["news"]).run()
    at = ask(at, QUESTION)
    labels = [plain(e.label) for e in at.expander]
    assert labels and all("Dialog z trzecim sektorem" in label for label in labels), labels
    assert any("Aktywne filtry: Aktualność" in plain(c.value) for c in at.caption)

    at = start()
    at.slider(key="years").set_value((2011, 2011)).run()
    at = ask(at, "Jakie były postulaty zespołu ds. wykluczenia społecznego?")
    labels = [plain(e.label) for e in at.expander]
    assert labels and all("2011" in label for label in labels), labels


def test_english_switch_translates_the_interface(app_env):
    at = start(lang="en")
    assert at.title[0].value == "Kraków NGO cooperation documents assistant"
    assert at.chat_input(key="chat_input").placeholder.startswith("Ask about the documents")
    at = ask(at, QUESTION)
    assert any(m.value == "**Sources**" for m in at.markdown)
    cite = at.expander[0]
    assert "Open the original file" in texts(cite)


def test_every_sidebar_input_is_labelled_in_polish(app_env):
    at = start()
    widgets = [*at.sidebar.radio, *at.sidebar.multiselect, *at.sidebar.slider]
    assert len(widgets) >= 4
    for widget in widgets:
        assert widget.label.strip(), widget
    labels = " ".join(w.label for w in widgets)
    assert "Lata dokumentów" in labels and "Rodzaj dokumentu" in labels and "Tryb odpowiedzi" in labels


# --------------------------------------------------------------------------- precedents


def test_precedent_finder_returns_earlier_postulates(app_env):
    at = start("Precedensy")
    at.text_area(key="prec_text").set_value(
        "Postulujemy zwiększenie dostępności lokali z zasobu gminy dla organizacji pozarządowych"
    )
    at.button[0].click().run()  # the form's submit button
    assert not at.exception, at.exception
    shown = texts(at)
    assert "Podsumowanie II spotkania branżowego" in shown, shown[:2000]
    assert "**1. · " in shown  # ranked, most similar first


# --------------------------------------------------------------------------- documents and uploads


def test_documents_tab_lists_the_index(app_env):
    at = start("Dokumenty")
    table = at.dataframe[0].value
    assert len(table) == 5
    assert table["chunks"].sum() == app_env_chunks(app_env)
    assert "Dialog z trzecim sektorem" in set(table["title"])
    # no password configured: reading works, uploading is off
    assert not at.get("file_uploader")
    assert any("Hasło administratora nie jest ustawione" in i.value for i in at.info)


def app_env_chunks(settings) -> int:
    from indexer.versions import read_manifest

    return read_manifest(settings.index_dir).chunk_count


def _docx_bytes(paragraphs: list[str]) -> bytes:
    import io
    import zipfile
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", xml)
    return buf.getvalue()


def test_uploads_need_the_password_then_index_pdf_and_docx(monkeypatch, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(CORPUS / "2026-03-03_dialog-z-trzecim-sektorem.txt", corpus)
    monkeypatch.setenv("NGO_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("NGO_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("NGO_ADMIN_PASSWORD", "tajne-hasło")

    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()  # first start: builds the index
    assert not at.exception, at.exception
    assert any("Indeks gotowy: 1 dokumentów" in s.value for s in at.success)
    at.session_state["tab_pl"] = "Dokumenty"
    at.run()
    assert not at.get("file_uploader")
    at.text_input(key="admin_password_input").set_value("zle-haslo")
    at.button[0].click().run()
    assert any(e.value == "Nieprawidłowe hasło." for e in at.error)
    assert not at.get("file_uploader")
    at.text_input(key="admin_password_input").set_value("tajne-hasło")
    at.button[0].click().run()
    uploader = at.get("file_uploader")[0]

    pdf = make_pdf(
        tmp_path / "ogrody.pdf",
        [
            "Notatka ze spotkania rady dzielnicy.",
            "Stowarzyszenie Zielona Łąka postuluje utworzenie ogrodów społecznych na Dębnikach. "
            "Wydział Kształtowania Środowiska odpowiedział, że przygotuje listę działek.",
            "",
        ],
        title="Notatka o ogrodach społecznych",
    )
    docx = _docx_bytes(["Sprawozdanie fundacji Źródło", "Fundacja Źródło prowadzi świetlicę dla seniorów w Nowej Hucie."])
    uploader.set_value(
        [
            ("ogrody.pdf", pdf.read_bytes(), "application/pdf"),
            ("świetlica.docx", docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("fałszywy.pdf", b"to nie jest PDF", "application/pdf"),
            ("pusty.txt", b"", "text/plain"),
        ]
    )
    at.run()
    at.button(key="upload_go").click().run()
    assert not at.exception, at.exception
    errors = plain(" ".join(e.value for e in at.error))
    assert "fałszywy.pdf: zawartość nie pasuje do rozszerzenia (PDF)" in errors and "pusty.txt: pusty plik" in errors
    assert any("Indeks gotowy: 3 dokumentów" in plain(s.value) for s in at.success), [s.value for s in at.success]
    titles = set(at.dataframe[0].value["title"])
    assert "Notatka o ogrodach społecznych" in titles
    # page 3 is blank (no text, no image): nothing to OCR, said so in Polish
    assert any("strony bez tekstu (puste albo OCR nic nie odczytał: 3)" in plain(w.value) for w in at.warning), [w.value for w in at.warning]
    assert (corpus / "uploads" / "ogrody.pdf").is_file()
    assert (corpus / "uploads" / "świetlica.docx").is_file()  # indexed as DOCX, kept as uploaded

    at.session_state["tab_pl"] = "Czat"
    at.run()
    at = ask(at, "Co postuluje Stowarzyszenie Zielona Łąka?")
    cite = next(e for e in at.expander if "Notatka o ogrodach" in e.label)
    assert "str. 2" in plain(cite.label)
    assert "ogrody.pdf#page=2)" in texts(cite)
    at = ask(at, "Gdzie fundacja Źródło prowadzi świetlicę dla seniorów?")
    assert any("świetlica" in e.label.lower() or "Źródło" in e.label for e in at.expander), [e.label for e in at.expander]


# --------------------------------------------------------------------------- overview and report


def test_overview_charts_topics_or_types_per_year(app_env):
    at = start("Przegląd tematów")
    charts = at.get("vega_lite_chart")
    assert charts, "no chart"
    table = at.dataframe[0].value
    assert {"2011", "2025", "2026"} <= set(map(str, table.columns))


def test_report_tab_shows_the_latest_evaluation(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    (tmp_path / "report.md").write_text(
        "# Raport\n\n| system | MRR@10 |\n|---|---|\n| ours | 0.91 |\n\n<!-- plots -->\n![systems](systems.png)\n",
        encoding="utf-8",
    )
    fig, ax = plt.subplots()
    ax.bar(["ours"], [0.91])
    fig.savefig(tmp_path / "systems.png")
    plt.close(fig)

    def page(out: str) -> None:
        from pathlib import Path

        from webapp import report

        report.render("pl", Path(out))

    at = AppTest.from_function(page, args=(str(tmp_path),), default_timeout=60).run()
    assert not at.exception, at.exception
    assert any("| ours | 0.91 |" in m.value for m in at.markdown)
    assert len(at.image) == 1

    empty = tmp_path / "empty"
    at = AppTest.from_function(page, args=(str(empty),), default_timeout=60).run()
    assert any("python -m eval --out" in i.value for i in at.info)


# --------------------------------------------------------------------------- helpers of the tabs


def _html(markdown: str) -> str:
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


HOSTILE = (
    "Zignoruj instrukcje <script>alert('x')</script> <img src=x onerror=alert(1)> "
    "[kliknij](javascript:alert(1)) **pogrubienie** _kursywa_ `kod` # nagłówek\n"
    "===\n    wcięty kod\n1. lista\n> cytat | a | b | ~~skreślenie~~ $x$ &lt;b&gt; :smile:"
)


def test_document_text_is_rendered_literally_and_only_the_quote_is_bold():
    from webapp.render import answer_markdown, escape_md, highlight_quote

    quote = "**pogrubienie** _kursywa_"
    markdown, found = highlight_quote(HOSTILE, quote)
    assert found
    html = _html(markdown)
    for tag in ("<script", "<img", "<a ", "<em>", "<code>", "<h1>", "<pre>", "<ol>", "<blockquote>", "<table>", "<del>"):
        assert tag not in html, (tag, html)
    assert html.count("<strong>") == 1
    assert "<strong>**pogrubienie** _kursywa_</strong>" in html
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "&amp;lt;b&amp;gt;" in html  # entities stay literal too
    # quotes that start or end with punctuation next to letters still render bold
    markdown, _ = highlight_quote("abc(def).ghi", "(def).")
    assert "<strong>(def).</strong>" in _html(markdown)
    # an answer keeps its bullets, and nothing else becomes Markdown
    answer = "Protokół (2025-06-24):\n- <b>Probacja</b> postuluje lokale [1]\n- **drugi** [2]\nDialog (2026):\n- trzeci [3]"
    html = _html(answer_markdown(answer))
    assert html.count("<li>") == 3 and html.count("<ul>") == 2
    assert "&lt;b&gt;Probacja&lt;/b&gt;" in html and "<strong>" not in html
    assert _html(escape_md("[1]")).strip() == "<p>[1]</p>"


def test_upload_checks_type_size_and_content():
    from webapp.uploads import Rejected, check, safe_name

    assert safe_name("../../etc/passwd.txt") == "passwd.txt"
    assert safe_name("C:\\Users\\ja\\Sprawozdanie roczne 2024.PDF") == "Sprawozdanie-roczne-2024.pdf"
    assert safe_name("żółć <script>.docx") == "żółć-_script_.docx"
    assert check("a.pdf", b"%PDF-1.7\n...", 100) == "a.pdf"
    assert check("b.txt", "Zażółć gęślą jaźń".encode("cp1250"), 100) == "b.txt"
    cases = [
        ("program.exe", b"MZ", "reject_type"),
        ("pusty.txt", b"", "reject_empty"),
        ("duzy.txt", b"x" * 101, "reject_size"),
        ("falszywy.pdf", b"<html>nie PDF</html>", "reject_content"),
        ("falszywy.docx", b"PK\x03\x04 not a zip", "reject_content"),
        ("binarny.txt", b"\x00\x01\x02" * 10, "reject_content"),
    ]
    for name, data, key in cases:
        with pytest.raises(Rejected) as info:
            check(name, data, 100)
        assert info.value.key == key, name


def test_original_files_are_served_safely(tmp_path):
    from webapp.files import file_url, publish

    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "strona.html").write_text("<script>alert(1)</script><p>Treść</p>", encoding="utf-8")
    (corpus / "stary.txt").write_bytes("Zażółć gęślą jaźń".encode("cp1250"))
    make_pdf(corpus / "sub" / "raport z (2024).pdf", ["Strona pierwsza", "Strona druga"])
    docs = {
        "strona.html": {"source": str(corpus / "strona.html")},
        "stary.txt": {"source": str(corpus / "stary.txt")},
        "sub/raport z (2024).pdf": {},
        "../poza.txt": {},
    }
    static = tmp_path / "static"
    published = publish(docs, corpus, static_dir=static)
    assert set(published) == {"strona.html", "stary.txt", "sub/raport z (2024).pdf"}
    # HTML is published as text, so the browser never runs a document's scripts
    assert published["strona.html"] == "app/static/corpus/strona.html.txt"
    assert (static / "corpus" / "strona.html.txt").read_text(encoding="utf-8").startswith("<script>")
    assert (static / "corpus" / "stary.txt").read_text(encoding="utf-8") == "Zażółć gęślą jaźń"
    assert (static / "corpus" / "sub" / "raport z (2024).pdf").read_bytes().startswith(b"%PDF")
    assert file_url("sub/raport z (2024).pdf", 2) == "app/static/corpus/sub/raport%20z%20%282024%29.pdf#page=2"
    assert file_url("stary.txt", 2) == "app/static/corpus/stary.txt"


def test_precedent_table_lists_postulate_records_with_search_topics_and_csv(app_env):
    at = start("Precedensy")
    table = at.dataframe[0].value
    assert len(table) >= 8, table
    probacja = table[table["organisation"].str.contains("Probacja", na=False)]
    assert len(probacja) == 1 and "Krakowskie Forum Lokalowe" in probacja.iloc[0]["response"]
    assert probacja.iloc[0]["date"] == "2025-06-24"
    assert probacja.iloc[0]["link"] == f"app/static/corpus/{MINUTES_2025}"
    # search ignores case and Polish letters
    at.text_input(key="prec_query").set_value("PROBACJA lokalow").run()
    assert list(at.dataframe[0].value["organisation"]) == list(probacja["organisation"])
    at.text_input(key="prec_query").set_value("").run()
    topics = at.multiselect(key="prec_topics")
    assert "lokale" in topics.options or "Polityka lokalowa (lokale dla organizacji)" in topics.options
    at.multiselect(key="prec_topics").set_value(["lokale"]).run()
    shown = at.dataframe[0].value
    assert 1 <= len(shown) < len(table) and "Probacja" in " ".join(shown["organisation"].fillna(""))


def test_precedent_csv_keeps_polish_letters(app_env):
    from webapp import precedents, resources

    state = resources.index_state(app_env)
    rows = precedents.records(state)
    assert rows, "the corpus minutes hold postulate records"
    data = precedents.to_csv(rows, "pl")
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheets read UTF-8
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Organizacja,Postulat,Odpowiedź miasta,Jednostka,Data,Źródło,Tematy,Plik"
    assert "Małopolskie Stowarzyszenie Probacja" in text


# --------------------------------------------------------------------------- LLM answers


class _FakeOpenAI:
    """A local OpenAI-compatible chat endpoint that streams a reply built from the prompt's first
    source: one sentence the source supports, one it does not (verification must remove it)."""

    UNSUPPORTED = "Miasto przekazało organizacjom dziesięć milionów złotych na remonty lokali"

    def __init__(self) -> None:
        import http.server
        import json
        import threading

        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                source = prompt.split('<zrodlo nr="1"', 1)[1].split(">\n", 1)[1].split("\n</zrodlo>", 1)[0]
                first = re.split(r"(?<=[.!?])\s+", source.strip())[0].rstrip(".")
                reply = f"{first} [1]. {fake.UNSUPPORTED} [1]."
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.end_headers()
                for i in range(0, len(reply), 12):
                    chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                             "choices": [{"index": 0, "delta": {"content": reply[i : i + 12]}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                end = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "fake",
                       "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
                fake.requests += 1

        self.requests = 0
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def test_llm_mode_streams_and_keeps_only_verified_sentences(app_env, monkeypatch):
    fake = _FakeOpenAI()
    try:
        monkeypatch.setenv("NGO_LLM_BASE_URL", fake.url)
        monkeypatch.setenv("NGO_LLM_MODEL", "fake")
        at = start()
        mode = at.radio(key="mode")
        assert mode.options == ["Cytaty z dokumentów (bez modelu językowego)", "Model językowy (LLM) z weryfikacją cytatów"]
        mode.set_value("llm").run()
        at = ask(at, QUESTION)
        assert fake.requests == 1
        answer = next(m for m in at.chat_message if m.name == "assistant")
        shown = texts(answer)
        assert "[1]" in shown and fake.UNSUPPORTED not in shown
        captions = " ".join(plain(c.value) for c in answer.caption)
        assert "Model językowy (LLM)" in captions
        assert re.search(r"Usunięto zdania bez potwierdzenia w cytowanych źródłach: [1-9]", captions), captions
        assert at.expander, "the verified sentence cites its source"
    finally:
        fake.close()

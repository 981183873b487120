"""Saved web pages: the article without the portal's chrome, title and date from the page;
text files copied from pages lose the menu and footer lines they share; incremental builds
re-chunk exactly the documents whose shared lines change."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.documents.boilerplate import lines_to_remove, threshold
from indexer.documents.loaders import load
from indexer.settings import Settings
from indexer.store.edge import EdgeStore
from indexer.versions import SHARD, current_version_dir, read_manifest

LIMIT = 10**8

PAGE = """<!DOCTYPE html><html lang="pl"><head><title>Aktualności - Portal Miejski</title></head>
<body>
<div id="cookie-banner" class="cookies">Serwis używa ciasteczek w celu świadczenia usług. Dalsze korzystanie
oznacza zgodę na ich zapisywanie. <button>Zgadzam się</button></div>
<header><nav class="menu"><ul><li><a href="/">Strona startowa</a></li><li><a href="/wydarzenia">Wydarzenia</a></li>
<li><a href="/sport">Sport i rekreacja</a></li><li><a href="/kontakt">Napisz do nas</a></li></ul></nav></header>
<div class="breadcrumbs"><a href="/">Portal</a> &raquo; <a href="/ngo">Trzeci sektor</a> &raquo; Rada seniorów</div>
<main><article>
<h1>Rada seniorów rozmawiała o wolontariacie sąsiedzkim</h1>
<p class="meta">Data publikacji: 12.03.2015</p>
<p>Podczas marcowego posiedzenia rada seniorów omówiła pomysł sąsiedzkiej sieci wolontariuszy, którzy
pomagaliby starszym mieszkańcom w zakupach i wizytach u lekarza.</p>
<p>Zgodnie z ustawą z dnia 24 kwietnia 2003 r. o działalności pożytku publicznego i o wolontariacie
wolontariusze otrzymają porozumienia i ubezpieczenie od następstw nieszczęśliwych wypadków.</p>
<div hidden>Ukryty komunikat redakcji</div>
<h2>Kolejne kroki</h2>
<p>Dzielnice zgłoszą do końca kwietnia świetlice, w których dyżurować będą koordynatorzy sieci.</p>
</article>
<aside class="related"><h3>Powiązane artykuły</h3><ul><li><a href="/a1">Nowe boisko przy szkole podstawowej</a></li>
<li><a href="/a2">Festiwal pierogów na rynku</a></li></ul></aside>
</main>
<footer><p>© 2015 Portal Miejski, ul. Przykładowa 1</p><p>Deklaracja dostępności | Mapa serwisu</p></footer>
</body></html>
"""
CHROME = ("ciasteczek", "Zgadzam się", "Strona startowa", "Sport i rekreacja", "Trzeci sektor",
          "Powiązane artykuły", "Festiwal pierogów", "Deklaracja dostępności", "Mapa serwisu",
          "Ukryty komunikat")

MENU = "Strona główna\nO nas\nProjekty\nKontakt\n"
FOOTER = "Fundacja Przykładowa, ul. Lipowa 3, Kraków\nWszelkie prawa zastrzeżone\n"
NOTE = "Notatka z dyżuru\n\nDyżur pełniła koordynatorka wolontariatu.\n\nBiuro czynne w dni robocze\nWszelkie prawa zastrzeżone\n"
BODIES = {
    "jesienny-festyn.txt": "Jesienny festyn\n\nW parku odbył się festyn dla rodzin z warsztatami plastycznymi.",
    "zbiorka-ksiazek.txt": "Zbiórka książek\n\nWolontariusze zebrali ponad dwa tysiące książek dla świetlic.",
    "kurs-pierwszej-pomocy.txt": "Kurs pierwszej pomocy\n\nTrzydziestu seniorów ukończyło kurs pierwszej pomocy.",
}


def _copied_page(body: str) -> str:
    return MENU + "\n" + body + "\n\n" + FOOTER


def test_saved_page_keeps_its_article_title_and_date(tmp_path: Path):
    path = tmp_path / "rada-seniorow.html"
    path.write_text(PAGE, encoding="utf-8")
    doc = load(path, LIMIT)
    assert doc.embedded_title == "Rada seniorów rozmawiała o wolontariacie sąsiedzkim"
    assert doc.embedded_date is not None and doc.embedded_date.date == "2015-03-12"
    assert doc.embedded_date.kind == "publication"
    assert "sąsiedzkiej sieci wolontariuszy" in doc.text and "## Kolejne kroki" in doc.text
    for chrome in CHROME:
        assert chrome not in doc.text, chrome
    assert "<" not in doc.text and not doc.warnings


def test_tiny_page_falls_back_to_its_visible_text_with_a_warning(tmp_path: Path):
    path = tmp_path / "krotka.html"
    path.write_text("<html><body><h1>Dyżur</h1><p>Jutro nieczynne.</p></body></html>", encoding="utf-8")
    doc = load(path, LIMIT)
    assert "Jutro nieczynne." in doc.text
    assert any("no main content" in w for w in doc.warnings)


def test_shared_lines_are_chrome_only_in_runs_or_at_the_edges():
    shared = frozenset({"menu a", "menu b", "stopka", "lista obecności"})
    keys = ["menu a", "menu b", "", "tytuł", "lista obecności", "treść", "", "stopka"]
    # the menu run and the last line go; the shared line alone in the body stays
    assert lines_to_remove(keys, shared, set()) == (0, 1, 7)
    assert lines_to_remove(keys, shared, {"stopka"}) == (0, 1)  # a document's own title stays
    assert lines_to_remove(["menu a", "menu b"], shared, set()) == ()  # nothing would be left
    assert lines_to_remove(["stopka", "tytuł", "treść"], shared, set()) == ()  # a first line alone: a heading
    assert threshold(1) == 2 and threshold(2) == 2 and threshold(30) == 6


def _fill(folder: Path) -> Path:
    (folder / "rada-seniorow.html").write_text(PAGE, encoding="utf-8")
    for name, body in list(BODIES.items())[:2]:
        (folder / name).write_text(_copied_page(body), encoding="utf-8")
    (folder / "samotna-notatka.txt").write_text(NOTE, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def web_build(tmp_path_factory: pytest.TempPathFactory):
    from indexer.build import build

    folder = _fill(tmp_path_factory.mktemp("web-corpus"))
    settings = Settings.from_env(index_dir=tmp_path_factory.mktemp("web-index"))
    report = build([folder], settings)
    assert report.ok, report.errors
    return folder, settings, report


def _texts(settings: Settings) -> dict[str, str]:
    store = EdgeStore(current_version_dir(settings.index_dir) / SHARD)
    try:
        out: dict[str, str] = {}
        for hit in store.scroll():
            if hit.payload.get("kind") == "passage":
                out[hit.payload["doc_id"]] = out.get(hit.payload["doc_id"], "") + "\n" + hit.payload["text"]
        return out
    finally:
        store.close()


def test_indexed_page_has_no_chrome_and_is_dated_and_typed_from_itself(web_build):
    _, settings, _ = web_build
    texts = _texts(settings)
    page = texts["rada-seniorow.html"]
    assert "koordynatorzy sieci" in page
    for chrome in CHROME:
        assert chrome not in page, chrome
    doc = read_manifest(settings.index_dir).documents["rada-seniorow.html"]
    assert doc["title"] == "Rada seniorów rozmawiała o wolontariacie sąsiedzkim"
    assert doc["date"] == "2015-03-12" and doc["type"] == "news"
    assert "Data publikacji" in doc["guessed"]["date"] and "web page" in doc["guessed"]["type"]


def test_copied_pages_lose_their_shared_menu_and_footer(web_build):
    _, settings, _ = web_build
    texts = _texts(settings)
    for name, body in list(BODIES.items())[:2]:
        text = texts[name]
        assert body.split("\n\n")[1] in text
        assert body.split("\n")[0] in text  # the page's own heading
        for line in (MENU + FOOTER).splitlines():
            assert line not in text, (name, line)
    # the note shares only its last line with the pages: that goes (it ends the note), the rest stays
    note = texts["samotna-notatka.txt"]
    assert "Wszelkie prawa zastrzeżone" not in note
    assert "Dyżur pełniła koordynatorka wolontariatu." in note and "Biuro czynne w dni robocze" in note


def test_status_says_what_was_guessed_and_removed(web_build, capsys):
    from indexer.__main__ import main

    _, settings, _ = web_build
    assert main(["status", "--index", str(settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert "guessed: date 2015-03-12 from 'Data publikacji'" in out
    assert "type news as a saved web page" in out
    assert "line(s) shared with other pages removed" in out


def test_adding_a_page_rechunks_only_the_documents_whose_shared_lines_change(tmp_path: Path):
    from indexer.build import build

    copy = tmp_path / "corpus"
    copy.mkdir()
    _fill(copy)
    local = Settings.from_env(index_dir=tmp_path / "index")
    assert build([copy], local).ok
    # a page sharing the note's last line makes nothing new shared for the two copied pages
    extra = list(BODIES.items())[2]
    (copy / extra[0]).write_text(extra[1] + "\n\nKontakt z redakcją: tel. 12 345 67 89\n", encoding="utf-8")
    report = build([copy], local)
    assert report.ok and report.added == [extra[0]]
    assert sorted(report.unchanged) == sorted(["rada-seniorow.html", *list(BODIES)[:2], "samotna-notatka.txt"])
    # a copied page sharing the note's "Biuro czynne …" line too: the note loses it and is
    # re-chunked; the pages, whose shared lines stay the same, keep their points
    (copy / "nowy.txt").write_text(_copied_page("Nowy wpis\n\nCoś nowego.\n\nBiuro czynne w dni robocze"), encoding="utf-8")
    report = build([copy], local)
    assert report.ok and report.changed == ["samotna-notatka.txt"]
    assert sorted(report.unchanged) == sorted(["rada-seniorow.html", *list(BODIES)])
    assert "Biuro czynne" not in _texts(local)["samotna-notatka.txt"]

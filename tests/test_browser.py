"""End to end in a real headless Chromium: `streamlit run app.py`, a question, a cited answer, the citation opened.

Needs Debian's ``chromium`` (``scripts/install-test-deps`` installs it; README command 2 runs that
script) and Playwright's Python package, which drives that browser (``playwright install`` is never
used). Only the keyboard is used to reach the question box and to open the citation. The
screenshot goes to ``tests/artifacts/browser-citation.png``; the start-up and answer times are
printed (figures, not assertions).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CORPUS

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOT = ARTIFACTS / "browser-citation.png"
QUESTION = "Które postulaty dotyczyły polityki lokalowej?"
MINUTES_TITLE = "Podsumowanie II spotkania branżowego"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT_S = 300


def chromium_executable() -> str:
    """Debian's Chromium, or a skip that says why there is none."""
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip(
        "Chromium is not installed and could not be installed here: `bash scripts/install-test-deps` "
        "needs apt-get with root (or sudo) and the Debian package mirror; its output says what failed"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"streamlit did not start in {START_TIMEOUT_S} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(settings, corpus_index, tmp_path_factory):
    """`streamlit run app.py` on a free port of 127.0.0.1 over the session's prebuilt index."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    env = {**os.environ, "NGO_INDEX_DIR": str(settings.index_dir), "NGO_CORPUS_DIR": str(CORPUS)}
    env.pop("NGO_ADMIN_PASSWORD", None)
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_healthy(url, proc, log)
        yield {"url": url, "started": started, "healthy": time.monotonic() - started, "log": log}
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_executable()
    from playwright import sync_api  # in the test extra
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=executable, args=FLAGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


TAB_TO = """(target) => {
    const el = document.activeElement;
    if (!el) return false;
    if (target === 'chat') return el.matches('[data-testid="stChatInputTextArea"], textarea') && (el.placeholder || '').startsWith('Zadaj pytanie');
    return el.tagName === 'SUMMARY' && el.innerText.includes(target);
}"""

CONTRAST = """() => {
    const parse = (c) => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
        const p = m[1].split(',').map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
    const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
    // what is painted behind the text: the stack of boxes at its centre (a label can sit outside
    // its parent's box, like a slider's value above the thumb), else its ancestors
    const background = (el) => { const layers = []; const r = el.getBoundingClientRect();
        let stack = document.elementsFromPoint(r.left + r.width / 2, r.top + r.height / 2);
        if (!stack.length) { stack = []; for (let n = el; n; n = n.parentElement) stack.push(n); }
        for (const n of stack) { const c = parse(getComputedStyle(n).backgroundColor);
            if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
        let out = [255, 255, 255];
        for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
        return out; };
    const results = [];
    const selector = 'h1, h2, h3, p, li, label, summary, a, button, span, [data-testid="stCaptionContainer"]';
    for (const el of document.querySelectorAll(selector)) {
        const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
        const rect = el.getBoundingClientRect();
        if (!own || rect.width === 0 || rect.height === 0) continue;
        const style = getComputedStyle(el);
        if (style.visibility === 'hidden' || el.closest('[disabled], [aria-disabled="true"]')) continue;
        let opacity = 1;
        for (let n = el; n; n = n.parentElement) opacity *= parseFloat(getComputedStyle(n).opacity);
        const fg = parse(style.color);
        if (opacity < 0.1 || fg[3] === 0) continue;  // not shown (e.g. slider labels shown on hover)
        const bg = background(el);
        const icon = /Material Symbols|Material Icons/.test(style.fontFamily);
        const text = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
        const [a, b] = [lum(text), lum(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        const size = parseFloat(style.fontSize); const bold = parseInt(style.fontWeight) >= 700;
        const large = size >= 24 || (bold && size >= 18.66);
        // icons are graphics: WCAG asks 3:1 of non-text content, 4.5:1 of normal text
        results.push({text: el.innerText.trim().slice(0, 60), ratio: Math.round(ratio * 100) / 100, need: large || icon ? 3 : 4.5});
    }
    return results;
}"""


def tab_until(page, target: str, limit: int = 80) -> int:
    """Press Tab until the focus is on ``target``; the number of presses (fails if never)."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate(TAB_TO, target):
            return presses
    raise AssertionError(f"{target!r} cannot be reached with the Tab key ({limit} presses)")


def unnamed_controls(page) -> list[str]:
    """Form controls in Chromium's accessibility tree that have no accessible name."""
    snapshot = page.locator("body").aria_snapshot()
    roles = ("textbox", "combobox", "slider", "radio", "checkbox", "button", "spinbutton", "searchbox")
    bad = []
    for line in snapshot.splitlines():
        item = line.strip().removeprefix("- ")
        role = item.split(" ", 1)[0].rstrip(":")
        if role in roles and not re.match(rf'{role} "[^"]+"', item):
            bad.append(item)
    return bad


def test_question_cited_answer_and_citation_in_chromium(server, browser, capsys):
    page = browser.new_page(viewport={"width": 1280, "height": 1900}, locale="pl-PL")
    page.goto(server["url"])
    chat_box = page.get_by_placeholder("Zadaj pytanie o dokumenty", exact=False)
    chat_box.wait_for(state="visible", timeout=START_TIMEOUT_S * 1000)
    shown = time.monotonic() - server["started"]
    loading = page.get_by_text("Wczytuję model i indeks")  # the warm-up runs after the page is drawn
    with contextlib.suppress(Exception):  # already warm (or too quick to show): nothing to wait for
        loading.wait_for(state="visible", timeout=5_000)
    loading.wait_for(state="hidden", timeout=START_TIMEOUT_S * 1000)
    startup = time.monotonic() - server["started"]

    # keyboard only: reach the question box with Tab, type, Enter
    presses = tab_until(page, "chat")
    page.keyboard.type(QUESTION)
    asked = time.monotonic()
    page.keyboard.press("Enter")
    citation = page.locator("summary", has_text=MINUTES_TITLE).first
    citation.wait_for(state="visible", timeout=120_000)
    answered = time.monotonic() - asked
    answer = page.locator('[data-testid="stChatMessage"]').nth(1)
    answer_text = answer.inner_text()
    assert re.search(r"\[1\]", answer_text), answer_text
    assert "(2025-06-24)" in citation.inner_text()
    shown_seconds = float(re.search(r"Odpowiedź w ([\d.]+) s", answer_text).group(1))

    # open the citation from the keyboard
    tab_until(page, MINUTES_TITLE)
    page.keyboard.press("Enter")
    details = page.locator('[data-testid="stExpander"]', has=page.locator("summary", has_text=MINUTES_TITLE)).first
    link = details.get_by_role("link", name="Otwórz oryginalny plik")
    link.wait_for(state="visible", timeout=20_000)
    body = details.inner_text()
    assert "Data: 2025-06-24" in body and "Rodzaj: Protokół / notatka ze spotkania" in body
    bold = details.locator("strong").all_inner_texts()
    quote = max(bold, key=len)
    assert len(quote) > 40 and quote in body  # the quote, in bold, inside its surrounding passage
    # document text never becomes a link (the answer quotes www.ngo.krakow.pl here, for one)
    answer_body = answer.locator('[data-testid="stMarkdownContainer"]').first
    passage = details.locator('[data-testid="stMarkdownContainer"]', has=page.locator("strong", has_text=quote[:30])).last
    for text_block in (answer_body, passage):
        assert text_block.locator("a").count() == 0, text_block.locator("a").all_inner_texts()
    page.wait_for_timeout(600)  # the expander's opening animation
    # a viewport as tall as the conversation, so the screenshot shows question, answer and source
    height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1280, "height": min(max(int(height) + 40, 1200), 6000)})
    page.wait_for_timeout(400)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))

    # the original file is served, as plain text
    href = link.get_attribute("href")
    response = page.request.get(server["url"] + "/" + href.lstrip("/"))
    assert response.ok, (href, response.status)
    assert response.headers["content-type"].startswith("text/plain")
    assert "Probacja" in response.text()

    # accessibility: every control named, enough contrast, Polish letters in a font that has them
    assert unnamed_controls(page) == []
    low = [r for r in page.evaluate(CONTRAST) if r["ratio"] < r["need"]]
    assert low == [], low
    font_ok = page.evaluate("() => document.fonts.check(`16px ${getComputedStyle(document.body).fontFamily}`, 'ąćęłńóśźżĄĆĘŁŃÓŚŹŻ')")
    assert font_ok
    assert "Źródła" in page.inner_text("body")
    assert page.evaluate("() => document.documentElement.lang") == "pl"

    # a second question, now that everything is warm
    page.get_by_placeholder("Zadaj pytanie o dokumenty", exact=False).fill("Jakie są obszary współpracy miasta z organizacjami pozarządowymi?")
    asked = time.monotonic()
    page.keyboard.press("Enter")
    page.locator('[data-testid="stChatMessage"]').nth(3).get_by_text(re.compile(r"Odpowiedź w [\d.]+ s")).wait_for(timeout=120_000)
    second = time.monotonic() - asked
    second_shown = float(re.search(r"Odpowiedź w ([\d.]+) s", page.locator('[data-testid="stChatMessage"]').nth(3).inner_text()).group(1))
    page.close()

    with capsys.disabled():
        print(
            f"\n[browser] start-up (index already built): server healthy {server['healthy']:.1f} s, page with the "
            f"question box {shown:.1f} s, ready to answer (model loaded and warmed up) {startup:.1f} s after `streamlit run`"
            f"\n[browser] answer after warm-up: {answered:.2f} s in the browser (server {shown_seconds:.2f} s); "
            f"second question {second:.2f} s (server {second_shown:.2f} s)"
            f"\n[browser] question box reached with {presses} Tab presses; screenshot: {SCREENSHOT}"
        )

#!/usr/bin/env python3
"""Check the unseen evaluation set: every key phrase occurs in its gold document(s),
page-targeted phrases occur on that page, manifest and question shapes are sane.
Folding: case, Polish diacritics and whitespace are ignored (nothing else)."""
import json
import re
import sys
import unicodedata
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def fold(s):
    s = s.lower().replace("ł", "l")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", s).strip()


class Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, d):
        if not self.skip:
            self.parts.append(d)


def pages(path):
    """Return list of page texts (one element for non-paged formats)."""
    ext = path.suffix.lower()
    if ext in (".txt", ".md"):
        return [path.read_text(encoding="utf-8")]
    if ext == ".html":
        v = Visible()
        v.feed(path.read_text(encoding="utf-8"))
        return [" ".join(v.parts)]
    if ext == ".docx":
        xml = zipfile.ZipFile(path).read("word/document.xml").decode("utf-8")
        paras = re.findall(r"<w:p>.*?</w:p>", xml)
        import html
        return ["\n".join(html.unescape("".join(re.findall(r"<w:t[^>]*>(.*?)</w:t>", p))) for p in paras)]
    if ext == ".pdf":
        from pypdf import PdfReader
        texts = [(pg.extract_text() or "") for pg in PdfReader(str(path)).pages]
        if not any(t.strip() for t in texts):  # scanned: use the exact source text of each page
            src = sorted((HERE / "scan_sources").glob(path.stem + ".page*.txt"),
                         key=lambda p: int(p.stem.rsplit("page", 1)[1]))
            return [p.read_text(encoding="utf-8") for p in src]
        return texts
    raise ValueError(path)


def main():
    problems = []
    man = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    files = {d["file"] for d in man["documents"]}
    on_disk = {p.name for p in CORPUS.iterdir() if p.name != "manifest.json"}
    for f in sorted(on_disk - files):
        problems.append(f"manifest: file not listed: {f}")
    for f in sorted(files - on_disk):
        problems.append(f"manifest: listed but missing: {f}")
    for d in man["documents"]:
        for k in ("title", "date", "type"):
            if k in d:
                problems.append(f"manifest: top-level '{k}' in {d['file']}")
        if d["expected"]["type"] not in "resolution minutes programme report competition announcement news rules".split():
            problems.append(f"manifest: bad type {d['file']}")
    # scanned PDFs really have no text, text PDFs really have text
    from pypdf import PdfReader
    for d in man["documents"]:
        if d["file"].endswith(".pdf"):
            txt = "".join((pg.extract_text() or "") for pg in PdfReader(str(CORPUS / d["file"])).pages)
            if (d["form"] == "scanned pdf") == bool(txt.strip()):
                problems.append(f"pdf text layer mismatch: {d['file']}")

    cache = {}
    qs = [json.loads(l) for l in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    ids = Counter(q["id"] for q in qs)
    for i, n in ids.items():
        if n > 1:
            problems.append(f"duplicate id {i}")
    n_phr = 0
    for q in qs:
        if not q["answerable"]:
            if q["kind"] != "unanswerable" or q["gold_docs"] or q["key_phrases"] or q["key_facts"] or not q.get("note"):
                problems.append(f"{q['id']}: bad unanswerable shape")
            continue
        if not q["gold_docs"] or not q["key_phrases"] or not q["key_facts"]:
            problems.append(f"{q['id']}: missing gold/phrases/facts")
        for g in q["gold_docs"]:
            if g not in files:
                problems.append(f"{q['id']}: unknown gold doc {g}")
            elif g not in cache:
                cache[g] = [fold(t) for t in pages(CORPUS / g)]
        for ph in q["key_phrases"]:
            n_phr += 1
            fp = fold(ph)
            hits = [(g, i + 1) for g in q["gold_docs"] if g in cache for i, t in enumerate(cache[g]) if fp in t]
            if not hits:
                problems.append(f"{q['id']}: phrase not found: {ph!r}")
            elif "page" in q and len(q["gold_docs"]) == 1 and not any(p == q["page"] for _, p in hits):
                problems.append(f"{q['id']}: phrase {ph!r} not on page {q['page']} (found on {hits})")
    kinds = Counter(q["kind"] for q in qs)
    print(f"documents: {len(files)}  questions: {len(qs)}  key phrases checked: {n_phr}")
    print("question kinds:", dict(sorted(kinds.items())))
    print("langs:", dict(Counter(q["lang"] for q in qs)), " with page:", sum("page" in q for q in qs))
    print("doc types:", dict(Counter(d["expected"]["type"] for d in man["documents"])))
    print("doc forms:", dict(Counter(d["form"] for d in man["documents"])))
    if problems:
        print(f"PROBLEMS ({len(problems)}):")
        for p in problems:
            print("  " + p)
        sys.exit(1)
    print("OK: all key phrases found, no problems")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Check eval/final: manifest, question shapes, and that every key phrase occurs in its gold document.

Folding: lower case, Polish/other diacritics removed (ł→l), all whitespace removed.
HTML: visible text (script/style dropped, tags stripped, entities unescaped).
PDF: pypdf text of the page given by "page" (1-based), else of the whole document.
Run: python3 eval/final/check.py
"""
import html
import json
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

from pypdf import PdfReader

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
TYPES = {"resolution", "minutes", "programme", "report", "competition", "announcement", "news", "rules"}
KINDS = {"fact": 10, "list": 3, "paraphrase": 3, "english": 2, "ukrainian": 2,
         "no_diacritics": 2, "short": 2, "precedent": 2, "unanswerable": 8}


def fold(s):
    s = s.lower().replace("ł", "l")
    s = "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
    return re.sub(r"\s+", "", s)


def html_text(raw):
    raw = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", " ", raw, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


_cache = {}


def pages_of(name):
    """List of page texts (one element for non-PDF files)."""
    if name not in _cache:
        p = CORPUS / name
        if p.suffix == ".pdf":
            _cache[name] = [pg.extract_text() or "" for pg in PdfReader(str(p)).pages]
        elif p.suffix in (".html", ".htm"):
            _cache[name] = [html_text(p.read_text(encoding="utf-8"))]
        else:
            _cache[name] = [p.read_text(encoding="utf-8")]
    return _cache[name]


def main():
    errors = []
    man = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
    docs = {d["file"]: d for d in man["documents"]}
    files = {p.name for p in CORPUS.iterdir() if p.name != "manifest.json"}
    if set(docs) != files:
        errors.append(f"manifest/corpus mismatch: {sorted(set(docs) ^ files)}")
    forms = Counter()
    for name, d in docs.items():
        forms[d["form"]] += 1
        e = d.get("expected", {})
        if set(d) - {"file", "written_for_evaluation", "form", "expected", "notes"}:
            errors.append(f"{name}: unexpected manifest keys")
        if e.get("type") not in TYPES:
            errors.append(f"{name}: bad type {e.get('type')}")
        if not (e.get("date") is None or re.fullmatch(r"\d{4}(-\d{2}-\d{2})?", e["date"])):
            errors.append(f"{name}: bad date {e.get('date')}")
        if name not in files:
            continue
        pages = pages_of(name)
        n = len(re.sub(r"\s+", " ", "".join(pages)).strip())
        if not 1200 <= n <= 3000:
            errors.append(f"{name}: {n} characters (want 1200–3000)")
        if name.endswith(".pdf"):
            empty = [i + 1 for i, t in enumerate(pages) if len(t.strip()) < 200]
            if len(pages) != 2 or empty:
                errors.append(f"{name}: {len(pages)} pages, pages with little text: {empty}")

    qs = [json.loads(l) for l in (HERE / "questions.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    kinds = Counter(q["kind"] for q in qs)
    ids = Counter(q["id"] for q in qs)
    errors += [f"duplicate id {i}" for i, c in ids.items() if c > 1]
    for k, want in KINDS.items():
        if kinds[k] < want:
            errors.append(f"kind {k}: {kinds[k]} < {want}")
    phrases_ok = phrases_total = 0
    for q in qs:
        qid = q["id"]
        if q["kind"] == "unanswerable":
            if q["answerable"] or q["gold_docs"] or q["key_phrases"] or q["key_facts"]:
                errors.append(f"{qid}: unanswerable question must have empty gold/phrases/facts")
            continue
        if not q["answerable"] or not q["gold_docs"] or not 1 <= len(q["key_phrases"]) <= 3 \
                or not 1 <= len(q["key_facts"]) <= 3:
            errors.append(f"{qid}: bad answerable shape")
        for g in q["gold_docs"]:
            if g not in docs:
                errors.append(f"{qid}: gold doc {g} not in manifest")
        for ph in q["key_phrases"]:
            phrases_total += 1
            words = len(ph.split())
            if not 3 <= words <= 8:
                errors.append(f"{qid}: phrase has {words} words: {ph!r}")
            found = False
            for g in q["gold_docs"]:
                if g not in files:
                    continue
                pages = pages_of(g)
                if "page" in q and g.endswith(".pdf"):
                    pg = q["page"]
                    texts = [pages[pg - 1]] if 1 <= pg <= len(pages) else []
                else:
                    texts = ["\n".join(pages)]
                if any(fold(ph) in fold(t) for t in texts):
                    found = True
            if found:
                phrases_ok += 1
            else:
                errors.append(f"{qid}: key phrase not found: {ph!r}")
        if any(g.endswith(".pdf") for g in q["gold_docs"]) and "page" not in q:
            errors.append(f"{qid}: PDF gold without page")

    print(f"documents: {len(docs)}  by form: {dict(forms)}")
    print(f"questions: {len(qs)}  by kind: {dict(kinds)}")
    print(f"key phrases found: {phrases_ok}/{phrases_total}")
    if errors:
        print("ERRORS:")
        for e in errors:
            print("  -", e)
        sys.exit(1)
    print("OK: all checks passed")


if __name__ == "__main__":
    main()

"""Text repair on the real corpus: font maps, spaced headings, OCR confusions, figures."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.documents import cleaning
from indexer.text import repair, repair_report

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
OCR_DOC = CORPUS / "2025-06-24_spotkanie-branzowe-wpsrz-rpw-2026.txt"
FONT_DOC = CORPUS / "2011-07-27_notatka-zespol-wykluczenie-spoleczne.txt"


def _text(path: Path) -> str:
    return cleaning.normalize(path.read_text(encoding="utf-8"))


def test_font_map_and_spaced_heading_are_repaired():
    fixed = repair.repair_text(_text(FONT_DOC)).text
    assert "ZESPOŁU BRANŻOWEGO DS. WYKLUCZENIA" in fixed
    assert "W RAMACH PRAC NAD" in fixed
    assert "GMINY MIASTA KRAKÓW Z" in fixed
    assert "POZARZĄDOWYMI NA LATA 2012-2014" in fixed
    assert "aż 10 na 11" in fixed and "Ŝ" not in fixed


def test_ocr_words_repaired_in_context():
    fixed = repair.repair_text(_text(OCR_DOC)).text
    for phrase in (
        "spotkanie branżowe Wydziału Polityki Społecznej, Równości i Zdrowia Urzędu Miasta Krakowa",
        "działalności leczniczej",
        "Podsumowanie II spotkania",
        "odbyto się",  # "odbyto" is a real word (the impersonal of "odbyć"): never changed
        "z ochroną",
        "zostaną zaplanowane",
        "członkami będą migranci",
        "Małopolskie Stowarzyszenie Probacja",
        "zadań obligatoryjnych i fakultatywnych",
        "o możliwość rozszerzenia",
    ):
        assert phrase in fixed, phrase


def test_known_words_and_names_are_never_changed():
    for path in CORPUS.iterdir():
        if path.suffix not in {".txt", ".md"} or path == OCR_DOC:
            continue
        result = repair.repair_text(_text(path))
        dictionary_changes = [c for c in result.changes if c.rule != "layout"]
        assert dictionary_changes == [], (path.name, dictionary_changes)
    assert repair.repair_word("Zustricz") == "Zustricz"
    assert repair.repair_word("Kurdybanek") == "Kurdybanek"
    assert repair.repair_word("organizacji") == "organizacji"


def test_ties_use_context():
    assert repair.repair_word("ochrong", prev="z") == "ochroną"
    assert repair.repair_word("bedg") == "będą"  # not the first person "będę"
    assert repair.repair_word("Wydziatu") == "Wydziału"
    assert repair.repair_word("WYDZIATU") == "WYDZIAŁU"


def test_unknown_share_drops_on_the_ocr_document():
    fig = repair_report.document_figures(OCR_DOC.name, _text(OCR_DOC))
    assert fig.thorough
    assert fig.unknown_before > 0.3 and fig.unknown_after < 0.08


def test_precision_and_recall_on_hand_checked_pairs():
    pairs = [json.loads(line) for line in (ROOT / "eval" / "repair_pairs.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sum(p["damaged"] != p["correct"] for p in pairs) >= 100
    contexts = {p.name: repair.document_context(_text(p)) for p in CORPUS.iterdir() if p.suffix in {".txt", ".md"}}
    score = repair_report.score_pairs(pairs, contexts)
    assert score.precision >= 0.99, score.failures
    assert score.recall >= 0.85, score.failures


def test_queries_are_repaired_only_when_polish():
    from indexer.text.repair import repair_query

    assert repair_query("ile osob bylo na spotkaniu zespolu") == "ile osób było na spotkaniu zespołu"
    assert repair_query("kto moderowat zebranie zespotu branzowego") == "kto moderował zebranie zespołu branżowego"
    english = "How many NGOs are represented in the social dialogue commissions?"
    assert repair_query(english) == english
    assert repair_query("co zapisano w zalaczniku nr 1") == "co zapisano w załączniku nr 1"

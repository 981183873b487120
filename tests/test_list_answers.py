"""List answers: a list is not cut inside, and a topical postulate question reaches every
document that raised the topic, not only the one with a postulate table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from assistant.answer.candidates import SentenceCandidate
from assistant.answer.lists import _whole_runs
from indexer.text.sentences import sentence_spans

AGENDA = (
    "Porządek posiedzenia Komisji:\n"
    + "\n".join(f"{n}) punkt obrad numer {n} dotyczący spraw komisji;" for n in range(1, 12))
    + "\nPosiedzenie zamknięto o godz. 19:00."
)


def _candidates(text: str) -> list[SentenceCandidate]:
    hit = SimpleNamespace(text=text, id="p1", doc_id="d1", heading_path=[], title="t", date=None, rank=1, score=1.0)
    return [SentenceCandidate(hit, s, e, 0.0, frozenset()) for s, e in sentence_spans(text)]


def test_a_list_is_taken_from_its_first_chosen_item_to_its_end():
    group = _candidates(AGENDA)
    items = [c for c in group if c.text.lstrip()[:1].isdigit()]
    assert len(items) == 11
    chosen = [items[0], items[1], items[3], items[4]]  # the third item scored below the margin
    taken = _whole_runs(group, chosen)
    numbers = [int(c.text.split(")")[0]) for c in taken if c.text.lstrip()[:1].isdigit()]
    assert numbers == list(range(1, 12))
    assert not any("zamknięto" in c.text for c in taken)  # the list ends where its items end


def test_sentences_outside_a_list_are_not_extended():
    group = _candidates("Pierwsze zdanie o czymś. Drugie zdanie o czym innym. Trzecie zdanie na koniec.")
    assert _whole_runs(group, [group[0]]) == [group[0]]


def test_topical_postulates_come_from_every_document_that_raised_them(answerer):
    answer = answerer.ask("Które postulaty dotyczyły polityki lokalowej?")
    assert not answer.abstained
    cited = {Path(c.source).name[:10] for c in answer.citations}
    assert {"2025-06-24", "2026-03-03"} <= cited, answer.answer  # the records, and the news raising "kwestie lokalowe"
    assert "Zarządu Budynków Komunalnych" in answer.answer or "Zarzadu Budynkow Komunalnych" in answer.answer

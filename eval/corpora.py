"""The evaluation's two corpora: the shipped one the answering was tuned on, and an unseen one.

The unseen corpus (``eval/unseen/``) was written for evaluation by someone who had not read the
answering code; it is indexed together with the shipped documents, as an official adds new
documents to the archive, so its questions meet every shipped document as a distractor too.
Figures on it say what a user's own archive gets; figures on the shipped corpus are regression
guards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from eval.gold import QUESTIONS_FILE, Question, load_questions
from indexer.settings import Settings

UNSEEN_DIR = Path(__file__).with_name("unseen")
# the last batch, written at the end of the work on generalisation and measured once before it
# joined the unseen set (see eval/unseen/README.md)
FINAL_DIR = Path(__file__).with_name("final")


@dataclass(frozen=True)
class EvalCorpus:
    """A named set of folders to index and the questions asked of them."""

    name: str
    label: str
    questions_file: Path
    extra_folders: tuple[Path, ...] = ()
    more_questions: tuple[Path, ...] = ()  # later batches, each beside its own documents

    def folders(self, settings: Settings) -> list[Path]:
        """The folders its index is built from: the user's corpus plus the corpus's own."""
        return [Path(settings.corpus_dir), *self.extra_folders]

    def settings(self, settings: Settings) -> Settings:
        """``settings`` with this corpus's index folder (a sibling of the shipped one)."""
        if not self.extra_folders or settings.qdrant_url:
            return settings
        base = Path(settings.index_dir)
        return replace(settings, index_dir=base.with_name(f"{base.name}-{self.name}"))

    def questions(self) -> list[Question]:
        return [q for path in (self.questions_file, *self.more_questions) for q in load_questions(path)]

    def available(self) -> bool:
        return self.questions_file.is_file() and all(f.is_dir() for f in self.extra_folders)


SHIPPED = EvalCorpus("shipped", "shipped corpus (tuned on)", QUESTIONS_FILE)
UNSEEN = EvalCorpus(
    "unseen",
    "unseen corpus (shipped + 54 new documents, not tuned on)",
    UNSEEN_DIR / "questions.jsonl",
    (UNSEEN_DIR / "corpus", FINAL_DIR / "corpus"),
    (FINAL_DIR / "questions.jsonl",),
)
CORPORA = {c.name: c for c in (SHIPPED, UNSEEN)}

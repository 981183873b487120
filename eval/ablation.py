"""``python -m eval.ablation``: every hand rule of the answering path switched off in turn, on
the shipped and the unseen corpus, beside the answers with every rule on.

The rules are the fields of :class:`assistant.answer.rules.AnswerRules`; each row gives the
answer figures without that rule and their change against all rules on. A rule that does not
help on the unseen corpus is a candidate for removal. Writes ``ablation.md`` and
``ablation.json`` into ``--out`` (default ``eval/out/``).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from eval.answer_metrics import score_answer, summarize
from eval.corpora import CORPORA
from eval.report import DEFAULT_OUT
from indexer.settings import Settings

FIGURES = ("citation_precision", "citation_recall", "key_fact_coverage", "abstention_recall", "false_abstention")


def ablate(answerers: dict[str, Any], questions: dict[str, list[Any]], names: list[str]) -> dict[str, Any]:
    """Answer figures per corpus with every rule on (``"all rules"``) and with each of ``names`` off."""
    from assistant.answer.rules import DEFAULT_RULES

    out: dict[str, Any] = {}
    for name in ["all rules", *names]:
        rules = DEFAULT_RULES if name == "all rules" else DEFAULT_RULES.without(name)
        row: dict[str, Any] = {}
        for corpus, answerer in answerers.items():
            answerer.rules = rules
            scored = {q.id: score_answer(q, answerer.ask(q.question)) for q in questions[corpus]}
            row[corpus] = summarize(scored, questions[corpus])["overall"]
        out[name] = row
        print(f"ablation: {name} done", file=sys.stderr)
    for answerer in answerers.values():
        answerer.rules = DEFAULT_RULES
    return out


def markdown(result: dict[str, Any]) -> str:
    corpora = list(result["all rules"])
    header = ["rule switched off"] + [f"{c} {f.replace('_', ' ')}" for c in corpora for f in ("citation_precision", "abstention_recall", "false_abstention")]
    lines = [
        "# Ablation of the answering rules",
        "",
        "Each row: the answer figures with that rule switched off (change against all rules on in brackets).",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    base = result["all rules"]
    for name, row in result.items():
        cells = [name]
        for c in corpora:
            for f in ("citation_precision", "abstention_recall", "false_abstention"):
                value, ref = row[c].get(f), base[c].get(f)
                if value is None:
                    cells.append("—")
                elif name == "all rules" or ref is None:
                    cells.append(f"{value:.3f}")
                else:
                    cells.append(f"{value:.3f} ({value - ref:+.3f})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from assistant.answer.answering import Answerer
    from assistant.answer.rules import AnswerRules
    from assistant.retrieval.retriever import Retriever
    from eval.__main__ import _ensure_index

    parser = argparse.ArgumentParser(prog="python -m eval.ablation", description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--rules", default="", help="comma-separated rules (default: every rule)")
    args = parser.parse_args(argv)
    names = [n for n in args.rules.split(",") if n] or AnswerRules.names()
    settings = Settings.from_env(index_dir=args.index)
    answerers, questions, retrievers = {}, {}, []
    for name, corpus in CORPORA.items():
        if not corpus.available():
            continue
        retriever = Retriever(_ensure_index(settings, corpus))
        retriever.warm_up()
        retrievers.append(retriever)
        answerers[name] = Answerer(retriever)
        questions[name] = corpus.questions()
    t0 = time.perf_counter()
    result = ablate(answerers, questions, names)
    for retriever in retrievers:
        retriever.close()
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(result)
    (args.out / "ablation.md").write_text(text, encoding="utf-8")
    (args.out / "ablation.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(text)
    print(f"wrote {args.out / 'ablation.md'} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

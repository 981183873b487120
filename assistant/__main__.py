"""Command line: ``python -m assistant search|ask``.

``search QUERY [--k N] [--index DIR] [--json]`` prints the best passages;
``search --batch FILE --json`` prints one JSON array per line of FILE (model loaded once);
``ask QUESTION [--json]`` prints a cited extractive answer, or an abstention.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

from indexer.errors import AssistantError
from indexer.settings import Settings
from indexer.store.schema import SearchFilters


def _filters(args: argparse.Namespace) -> SearchFilters:
    return SearchFilters(
        date_from=args.date_from,
        date_to=args.date_to,
        types=tuple(args.type or ()),
        doc_ids=tuple(args.doc or ()),
    )


def _retriever(args: argparse.Namespace):
    from assistant.retrieval.retriever import Retriever

    return Retriever(Settings.from_env(index_dir=args.index))


def _print_timings(retriever, started: float) -> None:
    parts = [f"{name} {seconds * 1000:.0f} ms" for name, seconds in retriever.timings.items()]
    print(f"timings: {', '.join(parts)}; total {(time.perf_counter() - started) * 1000:.0f} ms", file=sys.stderr)


def cmd_search(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    retriever = _retriever(args)
    if args.batch:
        queries = [line.strip() for line in Path(args.batch).read_text(encoding="utf-8").splitlines()]
        results = retriever.search_many([q for q in queries if q], k=args.k, filters=_filters(args), mode=args.mode)
        answers = iter(results)
        for query in queries:
            hits = next(answers) if query else []
            if args.json:
                print(json.dumps([h.to_json() for h in hits], ensure_ascii=False))
            else:
                print(f"# {query}")
                _print_hits(hits)
    else:
        if not args.query:
            print("error: give a QUERY or --batch FILE", file=sys.stderr)
            return 2
        retriever.warm_up() if args.verbose else None
        t0 = time.perf_counter()
        hits = retriever.search(args.query, k=args.k, filters=_filters(args), mode=args.mode)
        retriever.timings["search_total"] = time.perf_counter() - t0
        if args.json:
            print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
        else:
            _print_hits(hits)
    if args.verbose:
        _print_timings(retriever, started)
    return 0


def _print_hits(hits) -> None:
    for hit in hits:
        where = f", str. {hit.page}" if hit.page else ""
        print(f"{hit.rank}. [{hit.score:.4f}] {hit.title} ({hit.date or '—'}{where}) — {hit.source}")
        text = " ".join(hit.text.split())
        print(f"   {text[:300]}{'…' if len(text) > 300 else ''}")


def cmd_ask(args: argparse.Namespace) -> int:
    from assistant.answer.answering import Answerer

    started = time.perf_counter()
    retriever = _retriever(args)
    if args.verbose:
        retriever.warm_up()
    t0 = time.perf_counter()
    answerer = Answerer(retriever)
    streamed = False
    if args.mode == "llm":
        answer, streamed = _ask_llm(answerer, args)
    else:
        answer = answerer.ask(args.question, filters=_filters(args), lang=args.lang)
    retriever.timings["answer_total"] = time.perf_counter() - t0
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
    else:
        if not streamed:
            print(answer.answer)
        for note in answer.notes:
            print(f"({note})")
        if answer.citations:
            print()
            for c in answer.citations:
                where = f", str. {c.page}" if c.page else ""
                print(f"[{c.n}] {c.title} ({c.date or '—'}{where}) — {c.source}")
                print(f"    „{c.quote}”")
    if args.verbose:
        _print_timings(retriever, started)
    return 0


def _ask_llm(answerer, args: argparse.Namespace):
    """A generated, verified answer, its sentences printed as they are verified (unless --json);
    the extractive answer when no LLM is configured or reachable."""
    from assistant.generation.generation import LlmAnswerer
    from assistant.generation.llm import LLMUnavailable, chat_model
    from assistant.messages import message

    try:
        model = chat_model(answerer.retriever.settings)
    except LLMUnavailable as exc:
        answer = answerer.ask(args.question, filters=_filters(args), lang=args.lang)
        answer.notes.append(message("llm_unavailable", args.lang, reason=str(exc)))
        return answer, False
    answer, printed = None, False
    for event in LlmAnswerer(answerer, model).stream(args.question, filters=_filters(args), lang=args.lang):
        if event.kind == "sentence" and not args.json:
            print(event.text, flush=True)
            printed = True
        elif event.kind == "done":
            answer = event.answer
    if printed and answer is not None and answer.mode != "llm":
        print(answer.answer)  # every sentence was rejected: the extractive answer follows
    return answer, printed


def _clip(text: str, limit: int = 600) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cmd_precedents(args: argparse.Namespace) -> int:
    from assistant.messages import message
    from assistant.precedents.search import precedents

    found = precedents(_retriever(args), args.text, k=args.k, before=args.before)
    if args.json:
        print(json.dumps([p.to_json() for p in found], ensure_ascii=False, indent=2))
        return 0
    if not found:
        print(message("no_precedents", args.lang))
    for i, p in enumerate(found, start=1):
        head = " · ".join(x for x in (p.organisation, p.date, f"{message('similarity', args.lang)} {p.similarity:.2f}") if x)
        print(f"{i}. {head}")
        print(f"   {message('postulate', args.lang)}: {_clip(p.postulate)}")
        unit = f" ({p.unit})" if p.unit else ""
        print(f"   {message('response', args.lang)}{unit}: {_clip(p.response or message('no_response', args.lang))}")
        where = ", ".join(x for x in (p.title, p.location or (f"{message('page', args.lang)} {p.page}" if p.page else "")) if x)
        print(f"   {message('source', args.lang)}: {where} — {p.source}")
    return 0


def cmd_postulates(args: argparse.Namespace) -> int:
    from assistant.answer.records import format_hits, list_postulates, search_postulates

    retriever = _retriever(args)
    filters = _filters(args)
    if args.query:
        hits = search_postulates(retriever, args.query, k=args.k, topic=args.topic, filters=filters)
    else:
        hits = list_postulates(retriever.store, topic=args.topic, filters=filters)
    if args.json:
        print(json.dumps([h.to_json() for h in hits], ensure_ascii=False, indent=2))
    else:
        print(format_hits(hits, args.lang))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Search and ask the city documents.")
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--index", type=Path, default=None, help="index folder (default: .index)")
        p.add_argument("--json", action="store_true", help="print JSON")
        p.add_argument("--verbose", "-v", action="store_true", help="print timings")
        p.add_argument("--date-from", help="only documents dated on or after (YYYY[-MM[-DD]])")
        p.add_argument("--date-to", help="only documents dated on or before (YYYY[-MM[-DD]])")
        p.add_argument("--type", action="append", help="only this document type (repeatable)")
        p.add_argument("--doc", action="append", help="only this document id (repeatable)")

    p_search = sub.add_parser("search", help="find passages")
    p_search.add_argument("query", nargs="?")
    p_search.add_argument("--k", type=int, default=10)
    p_search.add_argument("--batch", help="file with one query per line")
    p_search.add_argument("--mode", choices=("hybrid", "dense", "sparse"), default="hybrid")
    common(p_search)
    p_search.set_defaults(func=cmd_search)

    p_ask = sub.add_parser("ask", help="answer a question with citations")
    p_ask.add_argument("question")
    p_ask.add_argument("--lang", choices=("pl", "en"), default="pl", help="language of messages")
    p_ask.add_argument(
        "--mode", choices=("extractive", "llm"), default="extractive",
        help="extractive quotes (default) or an LLM answer verified against its sources (NGO_LLM_* settings)",
    )
    common(p_ask)
    p_ask.set_defaults(func=cmd_ask)

    p_prec = sub.add_parser("precedents", help="earlier postulates like TEXT, with the city's responses")
    p_prec.add_argument("text", help="a postulate, or a question such as 'Co miasto odpowiedziało na …'")
    p_prec.add_argument("--k", type=int, default=5, help="how many precedents")
    p_prec.add_argument("--before", help="only records dated on or before (YYYY[-MM[-DD]])")
    p_prec.add_argument("--lang", choices=("pl", "en"), default="pl", help="language of labels")
    common(p_prec)
    p_prec.set_defaults(func=cmd_precedents)

    p_post = sub.add_parser("postulates", help="list or search postulate records (who proposed what, the city's answer)")
    p_post.add_argument("query", nargs="?", help="search text; without it every record is listed")
    p_post.add_argument("--topic", help="only this topic id (e.g. lokale, seniorzy, zdrowie_psychiczne)")
    p_post.add_argument("--k", type=int, default=10, help="how many records a search returns")
    p_post.add_argument("--lang", choices=("pl", "en"), default="pl", help="language of labels")
    common(p_post)
    p_post.set_defaults(func=cmd_postulates)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return args.func(args)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

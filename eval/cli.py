"""``paperchat eval``: batch questions, BEIR retrieval, comparisons, CI thresholds."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .questions import (
    SHIPPED,
    QuestionFileError,
    is_conversation_file,
    load_conversations,
    load_questions,
    verify,
)


def add_eval_parser(sub) -> argparse.ArgumentParser:  # noqa: ANN001
    p = sub.add_parser("eval", help="evaluate answers on a question file (default: the shipped set)")
    p.add_argument("file", nargs="?", help="questions .jsonl/.csv, or conversations .jsonl (lines with "
                   "'turns'; default: eval/questions.jsonl)")
    p.add_argument("--beir", help="a BEIR folder: report retrieval metrics on it")
    p.add_argument("--rerank-depth", type=int, default=10, metavar="N",
                   help="--beir: papers of the top 100 the soft-coverage rerank reorders (0: the retriever's order)")
    p.add_argument("--split", default=None,
                   help="questions: only this split of a set (dev or test); --beir: the qrels split (default test)")
    p.add_argument("--out", default="eval/runs/latest", help="directory for results.jsonl and reports")
    p.add_argument("--fresh", action="store_true", help="ignore earlier results in --out (default: resume)")
    p.add_argument("--concurrency", type=int, default=0, help="questions in flight (default 1 extractive or local LLM, 4 other generative)")
    p.add_argument("--fail-under", action="append", default=[], metavar="METRIC=VALUE",
                   help="exit 1 if METRIC < VALUE (repeatable); METRIC is overall or TYPE.METRIC, "
                   "e.g. hit@5=0.95 factoid.key_fact_recall=0.8")
    p.add_argument("--fail-over", action="append", default=[], metavar="METRIC=VALUE",
                   help="exit 1 if METRIC > VALUE (repeatable), for rates where lower is better, "
                   "e.g. false_refusal_rate=0.25")
    p.add_argument("--compare", nargs=2, metavar=("OLD", "NEW"), help="compare two results.jsonl files")
    p.add_argument("--as-written", action="store_true",
                   help="conversations: ask \"the second one\" exactly as written, even when our previous "
                   "answer listed that paper elsewhere (default: as a reader of our list would say it)")
    p.add_argument("--from-feedback", action="store_true",
                   help="turn the page's down-voted answers (FILE, default the feedback file beside the "
                   "index) into a question file in --out, to add gold to and keep")
    p.add_argument("--judge", choices=["model", "grounder", "llm"], default="model",
                   help="who judges citation support: the independent trained judge (default), the "
                        "product's grounder, or the configured LLM (the last two are self-judged)")
    p.add_argument("--verify", action="store_true", help="check the question file against the corpus and exit")
    return p


def _thresholds(specs: list[str]) -> dict[str, float]:
    out = {}
    for spec in specs:
        name, _, value = spec.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise QuestionFileError(f"--fail-under/--fail-over expect METRIC=NUMBER, got {spec!r}") from None
    return out


def check_thresholds(summary: dict, thresholds: dict[str, float], ceilings: dict[str, float] | None = None) -> list[str]:
    """``metric`` reads the overall figures, ``type.metric`` one question type's (or subtype's)."""
    failures = []
    for name, maximum in (ceilings or {}).items():
        group, _, metric = name.rpartition(".")
        figures = summary.get(group or "overall", {}) if "overall" in summary else summary
        value = figures.get(metric)
        if not isinstance(value, (int, float)):
            failures.append(f"{name}: not measured in this run")
        elif value > maximum:
            failures.append(f"{name} = {value:.3f} > {maximum}")
    for name, minimum in thresholds.items():
        group, _, metric = name.rpartition(".")  # metric names have no dots; "" means overall
        figures = summary.get(group or "overall", {}) if "overall" in summary else summary
        value = figures.get(metric)
        if not isinstance(value, (int, float)):
            failures.append(f"{name}: not measured in this run")
        elif value < minimum:
            failures.append(f"{name} = {value:.3f} < {minimum}")
    return failures


def run_cli(args: argparse.Namespace, settings, bar=None) -> int:  # noqa: ANN001
    """Run ``paperchat eval``; ``bar(desc)`` makes a (done, total) progress callback."""
    from rag import Engine

    from .report import compare, write_reports
    from .runner import judge_for, load_done, run, run_conversations, summarize

    def _bar(desc: str, unit: str = "paper"):  # noqa: ANN202
        return bar(desc, unit) if bar else None

    thresholds = _thresholds(args.fail_under)
    ceilings = _thresholds(args.fail_over)
    if args.from_feedback:
        from . import feedback

        source = Path(args.file) if args.file else feedback.feedback_path(settings)
        if not source.exists():
            raise QuestionFileError(f"{source}: no feedback yet (thumbs on the chat page are kept there)")
        entries = feedback.read(source)
        questions = feedback.to_questions(entries)
        out = Path(args.out) / "feedback-questions.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")
        print(f"{len(entries)} votes in {source}; {len(questions)} down-voted questions written to {out}")
        return 0
    if args.compare:
        old, new = (list(load_done(Path(p)).values()) for p in args.compare)
        print(compare(old, new))
        return 0
    if args.beir:
        from .beir import evaluate_beir

        result = evaluate_beir(args.beir, settings, split=args.split or "test", progress=_bar("queries", "query"),
                               ingest_progress=_bar("indexing corpus"), rerank_depth=max(0, args.rerank_depth))
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "beir.json").write_text(json.dumps(result, indent=2))
        result.pop("per_query")
        print(json.dumps(result, indent=2))
        problems = check_thresholds(result, thresholds, ceilings)
    else:
        path = Path(args.file) if args.file else SHIPPED
        conversations = load_conversations(path) if is_conversation_file(path) else None
        if conversations is not None:
            if args.split:
                conversations = [c for c in conversations if c.split == args.split]
            questions = [t for c in conversations for t in c.turns]
        else:
            questions = load_questions(path)
            if args.split:
                questions = [q for q in questions if q.split == args.split]
        if not questions:
            raise QuestionFileError(f"{path}: no questions in split {args.split!r}")
        if args.verify:
            problems = verify(questions, [settings.data_dir])
            print("\n".join(problems) or f"{path}: {len(questions)} questions, all gold titles and key strings found")
            return 1 if problems else 0
        engine = Engine(settings, progress=_bar("first run: indexing the bundled corpus"))
        results = Path(args.out) / "results.jsonl"
        if args.fresh and results.exists():
            results.unlink()
        # llama-cpp-python's server answers one completion at a time and ends the other streams
        # early (measured: 30 of 35 answers fell back to extractive at 4 in flight)
        llm = engine.settings.llm
        concurrency = args.concurrency or (4 if llm.generative and llm.provider != "local" else 1)
        judge, judged_by = judge_for(engine, args.judge)
        if conversations is not None:
            records = run_conversations(conversations, engine, results, concurrency=concurrency, judge=judge,
                                        progress=_bar("turns", "turn"), adapt=not args.as_written)
        else:
            records = run(questions, engine, results, concurrency=concurrency, judge=judge,
                          progress=_bar("questions", "question"))
        summary = summarize(records)
        md, page = write_reports(summary, records, args.out, judge=judged_by)
        print(md.read_text())
        print(f"results: {results}\nreport: {md} · {page}")
        problems = check_thresholds(summary, thresholds, ceilings)
    if problems:
        print("FAILED thresholds:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 1
    return 0

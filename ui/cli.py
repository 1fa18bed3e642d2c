"""``paperchat`` — one CLI: ingest, stats, ask, chat, ui, eval.

The one place that turns typed errors into one-line messages and exit codes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from .progress import Bar

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

EXIT_USER = 2  # bad input / configuration
EXIT_SERVICE = 3  # a server (Chroma, LLM) failed


def _settings(args: argparse.Namespace):  # noqa: ANN202
    from rag import Settings

    base = Settings()
    return base.with_overrides(
        **{
            "data_dir": getattr(args, "data_dir", None),
            "chroma.path": getattr(args, "index_path", None),
            "chroma.host": getattr(args, "chroma_host", None),
            "chroma.port": getattr(args, "chroma_port", None),
            "chroma.collection": getattr(args, "collection", None),
            "embedding.backend": getattr(args, "embedding", None),
            "embedding.workers": getattr(args, "workers", None),
            "embedding.ray_address": getattr(args, "ray", None),
            "chunking.size": getattr(args, "chunk_size", None),
            "chunking.overlap": getattr(args, "chunk_overlap", None),
            "retrieval.top_k": getattr(args, "k", None),
            "retrieval.mode": getattr(args, "mode", None),
            "llm.base_url": getattr(args, "llm_base_url", None),
            "llm.model": getattr(args, "model", None),
            "llm.provider": "local" if getattr(args, "local", False)
            else ("openai" if getattr(args, "llm_base_url", None) else None),
        }
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag import ingest_paths

    settings = _settings(args)
    report = ingest_paths(settings, args.paths or None, prune=args.prune, progress=Bar("embedding"))
    if args.json:
        print(json.dumps({**report.__dict__, "skipped": [str(s) for s in report.skipped]}, indent=2))
    else:
        print(report.summary())
    if report.failed_files:  # the readable files are in; the exit code says not all were
        print(f"paperchat: error: {len(report.failed_files)} file(s) could not be read (listed above)",
              file=sys.stderr)
        return EXIT_USER
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    """Build what the configured embedding backend needs once (the int8 encoder)."""
    import time

    from rag.store import embedder_for

    settings = _settings(args)
    inner = embedder_for(settings).inner
    if not hasattr(inner, "prepare"):
        print(f"nothing to prepare for the {settings.embedding.backend} backend")
        return 0
    started = time.perf_counter()
    path, built = inner.prepare()
    took = f" in {time.perf_counter() - started:.1f} s" if built else " (already built)"
    quality = inner.quality
    if quality is not None and not quality.ok:
        print(f"warning: {inner.notice}", file=sys.stderr)
        print(f"int8 encoder built{took} but not used: fp32 torch will embed instead ({path})")
        return 0
    print(f"int8 encoder ready{took}: {path}")
    if quality is not None:
        print(f"  checked on {quality.cpu}: {quality.describe()}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from rag import open_store

    settings = _settings(args)
    stats = open_store(settings, check_model=False).stats()
    if args.json:
        print(json.dumps(stats.__dict__, indent=2))
    else:
        print(
            f"papers {stats.papers} · chunks {stats.chunks}\n"
            f"embedding model {stats.embedding_model} (dim {stats.embedding_dim})\n"
            f"index {stats.location} (collection {stats.collection!r})"
        )
    return 0


def format_answer(answer) -> str:  # noqa: ANN001
    """Answer text + notices + numbered reference list, for terminals."""
    lines = [answer.text, ""]
    if answer.filters:
        lines.insert(0, f"(only papers {answer.filters})")
    if answer.about:
        lines.insert(0, f"(about the papers under discussion — {answer.resolved}: "
                        + "; ".join(answer.about) + ")")
    if answer.evidence == "weak":
        lines.append(f"({answer.reason})")
    if answer.notice:
        lines.append(f"({answer.notice})")
    if answer.mode == "generative" and not answer.notice:
        lines.append(f"(generative answer · {answer.model})")
    if answer.unsupported:
        lines.append(f"warning: {len(answer.unsupported)} sentence(s) not supported by any source")
    if answer.citations:
        lines.append("")
        lines.append("References:")
        for c in answer.citations:
            about = " · ".join(x for x in (c.meta.byline(), c.meta.link) if x)
            lines.append(f"  [{c.n}] {c.title}" + (f" — {about}" if about else ""))
    elif answer.refused and answer.sources:
        lines.append("Closest papers (not cited):")
        for s in answer.sources[:3]:
            lines.append(f"  - {s.title}")
    t = answer.timings
    lines.append(
        f"\nretrieve {t.get('retrieve', 0) * 1000:.0f} ms · generate {t.get('generate', 0) * 1000:.0f} ms"
        f" · total {t.get('total', 0) * 1000:.0f} ms"
    )
    return "\n".join(lines).strip()


def _engine(args: argparse.Namespace):  # noqa: ANN202
    from rag import Engine

    return Engine(_settings(args), progress=Bar("first run: indexing the bundled corpus"))


def _filters(args: argparse.Namespace) -> dict | None:
    """--since/--until/--author as the API's filters (checked by rag.filters)."""
    given = {"since": args.since, "until": args.until, "author": args.author}
    return {k: v for k, v in given.items() if v not in (None, "")} or None


def cmd_ask(args: argparse.Namespace) -> int:
    from rag import Filters

    filters = _filters(args)
    Filters.parse(filters)  # a malformed filter is said before the index is opened
    engine = _engine(args)
    question = " ".join(args.question)
    if args.json:
        answer = engine.ask(question, filters=filters)
        print(json.dumps(answer.to_dict(), indent=2, default=str))
        return 0
    gen = engine.stream(question, filters=filters)
    printed_stream = engine.settings.llm.generative
    while True:
        try:
            delta = next(gen)
            if printed_stream:
                print(delta, end="", flush=True)
        except StopIteration as stop:
            answer = stop.value
            break
    if printed_stream:
        print("\n" + "-" * 40)
    print(format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    from rag import Chat, Filters, QuestionError

    filters = _filters(args)
    Filters.parse(filters)  # a malformed filter is said before the index is opened
    chat = Chat(engine=_engine(args))
    print("paperchat — ask about the papers; follow-ups may say \"it\" or \"the second one\". "
          "Empty line or Ctrl-D to quit, /new to start over, /export FILE.md|FILE.bib to save.")
    while True:
        try:
            question = input("\n? ").strip()
        except EOFError:
            return 0
        if not question:
            return 0
        if question == "/new":
            chat.reset()
            continue
        if question.startswith("/export"):
            print(_export(chat, question.removeprefix("/export").strip()))
            continue
        try:
            print(format_answer(chat.ask(question, filters=filters)))
        except QuestionError as exc:
            print(f"error: {exc}")


def _export(chat, target: str) -> str:  # noqa: ANN001
    """``/export chat.md`` or ``/export refs.bib`` (by suffix); no file: Markdown to the screen."""
    if not target:
        return chat.export("markdown")
    path = Path(target).expanduser()
    try:
        path.write_text(chat.export("bibtex" if path.suffix.lower() == ".bib" else "markdown"), encoding="utf-8")
    except OSError as exc:
        return f"error: cannot write {path}: {exc.strerror or exc}"
    return f"wrote {path}"


def cmd_ui(args: argparse.Namespace) -> int:
    from ui.web import UIError, launch

    try:
        launch(_settings(args), host=args.host, port=args.port)
    except UIError as exc:
        print(f"paperchat: error: {exc}", file=sys.stderr)
        return EXIT_USER
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from eval.cli import run_cli
    from eval.questions import QuestionFileError

    try:
        return run_cli(args, _settings(args), Bar)
    except QuestionFileError as exc:  # a bad question file or option: one line, no traceback
        print(f"paperchat: error: {exc}", file=sys.stderr)
        return EXIT_USER


def _common(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("index")
    g.add_argument("--data-dir", help="corpus directory (default: the bundled data/)")
    g.add_argument("--index-path", help="directory of the on-disk Chroma index")
    g.add_argument("--chroma-host", help="use a `chroma run` server at this host")
    g.add_argument("--chroma-port", type=int, help="port of the Chroma server")
    g.add_argument("--collection", help="collection name")
    g.add_argument("--embedding", choices=["int8", "torch", "onnx", "openai"], help="embedding backend")


def _answering(p: argparse.ArgumentParser) -> None:
    p.add_argument("--k", type=int, help="papers to retrieve (top-k)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], help="retrieval mode")
    p.add_argument("--llm-base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    p.add_argument("--model", help="LLM model name")
    p.add_argument("--local", action="store_true",
                   help="start a local llama-cpp-python server on a GGUF model (the `local` extra)")


def _filtering(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (papers whose metadata says; the listing dumps have none)")
    g.add_argument("--since", type=int, metavar="YEAR", help="only papers from this year on")
    g.add_argument("--until", type=int, metavar="YEAR", help="only papers up to this year")
    g.add_argument("--author", metavar="NAME", help="only papers with this author (part of the name)")


def build_parser() -> argparse.ArgumentParser:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("paperchat")
    except PackageNotFoundError:  # run from a checkout that was never installed
        ours = "unknown (not installed)"
    parser = argparse.ArgumentParser(prog="paperchat", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"paperchat {ours}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", help="add files of abstracts to the index (default: bundled data/)")
    p.add_argument("paths", nargs="*", help="files or directories (txt listing dumps, JSONL/JSON, CSV)")
    p.add_argument("--prune", action="store_true", help="remove papers no longer in the scanned files")
    p.add_argument("--workers", type=int, metavar="N", help="embed in N local processes (or N Ray actors with --ray)")
    p.add_argument("--ray", nargs="?", const="local", metavar="ADDRESS",
                   help="embed on a Ray cluster (auto, ray://host:10001; no address: start one here); needs the ray extra")
    p.add_argument("--chunk-size", type=int, help="chunk size in the encoder's tokens, title included (default 256: MiniLM's window)")
    p.add_argument("--chunk-overlap", type=int, help="chunk overlap in tokens")
    p.add_argument("--json", action="store_true", help="machine-readable report")
    _common(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("prepare", help="build the int8 encoder once (otherwise built on first use)")
    _common(p)
    p.set_defaults(func=cmd_prepare)

    p = sub.add_parser("stats", help="what the index holds")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("ask", help="answer one question with citations")
    p.add_argument("question", nargs="+")
    p.add_argument("--json", action="store_true", help="print the full Answer as JSON")
    _common(p)
    _answering(p)
    _filtering(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", help="a conversation in the terminal")
    _common(p)
    _answering(p)
    _filtering(p)
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("ui", help="open the chat page (ingests the bundled corpus on first run)")
    p.add_argument("--host", help="bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    _common(p)
    _answering(p)
    p.set_defaults(func=cmd_ui)

    try:
        from eval.cli import add_eval_parser
    except ImportError:  # pragma: no cover - eval is part of the distribution
        pass
    else:
        p = add_eval_parser(sub)
        _common(p)
        _answering(p)
        p.set_defaults(func=cmd_eval)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    from ingest import IngestError, StoreUnavailableError
    from rag import FilterError, LLMError, QuestionError

    try:
        return func(args)
    except StoreUnavailableError as exc:
        print(f"paperchat: error: {exc}", file=sys.stderr)
        return EXIT_SERVICE
    except LLMError as exc:
        print(f"paperchat: error: {exc}", file=sys.stderr)
        return EXIT_SERVICE
    except (IngestError, QuestionError, FilterError) as exc:
        print(f"paperchat: error: {exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        print("\npaperchat: interrupted (the index stays consistent; re-run to finish)", file=sys.stderr)
        return 130
    except Exception as exc:  # pydantic validation of env/flags, etc.
        from pydantic import ValidationError

        if isinstance(exc, ValidationError):
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            print(f"paperchat: error: bad setting {where}: {first.get('msg')}", file=sys.stderr)
            return EXIT_USER
        raise


if __name__ == "__main__":
    sys.exit(main())

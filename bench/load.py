"""Chat page under concurrent use, through Gradio's own client, against a local LLM stub.

    python bench/load.py [--sessions 1,4,16] [--questions 3] [--llm-seconds 2.0]

Starts the page and a scripted OpenAI-compatible server on 127.0.0.1 (nothing else is
contacted), drives N simultaneous sessions that each ask a few questions, and prints
throughput, p50/p95 latency and errors per N, and whether every session saw only its own
conversation. Bounded in count and time; asserts nothing.
"""

from __future__ import annotations

import argparse
import html
import os
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

from eval.metrics import percentile  # noqa: E402
from eval.questions import SHIPPED, load_questions  # noqa: E402
from rag import Engine, Settings  # noqa: E402
from tests.openai_stub import Responder, ScriptedOpenAIServer  # noqa: E402
from ui.web import build_app  # noqa: E402

DEADLINE_S = 600  # the whole run stops by itself


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session(url: str, questions: list[str], stop: float) -> tuple[list[float], int, bool]:
    from gradio_client import Client

    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    latencies, errors, history = [], 0, []
    for q in questions:
        if time.time() > stop:
            break
        t = time.perf_counter()
        try:
            result = client.predict(q, history, 5, "hybrid", api_name="/ask")
            history = result[1]
            latencies.append(time.perf_counter() - t)
        except Exception:  # noqa: BLE001 - a load test counts failures, it does not stop
            errors += 1
    asked = [html.unescape(str(m["content"])) for m in history if m.get("role") == "user"]
    isolated = all(any(q[:40] in str(a) for a in asked) for q in questions[: len(latencies)]) and len(asked) == len(latencies)
    if not isolated and os.environ.get("LOAD_DEBUG"):
        print("MISMATCH", len(asked), len(latencies), [str(a)[:60] for a in asked], [q[:40] for q in questions], file=sys.stderr)
    return latencies, errors, isolated


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", default="1,4,16")
    ap.add_argument("--questions", type=int, default=3)
    ap.add_argument("--llm-seconds", type=float, default=2.0)
    args = ap.parse_args()
    pool = [q.question for q in load_questions(SHIPPED) if q.type != "unanswerable"]

    with ScriptedOpenAIServer(models=("stub",)) as llm:
        chunks = 20
        # cite the first source by quoting its first sentence: a realistic, grounded reply
        def reply(request: dict) -> str:
            user = request["messages"][1]["content"]
            first = user.split("\n", 2)[2].split(". ")[0] if user.count("\n") > 2 else "No sources"
            return f"{first} [1]."

        llm.default = Responder(reply, delay=args.llm_seconds / chunks, chunk_size=8)
        settings = Settings().with_overrides(**{
            "llm.provider": "openai", "llm.base_url": llm.base_url, "llm.model": "stub",
            "llm.max_retries": 0, "llm.timeout": 30,
            "ui.questions_per_minute": 0,  # every session comes from 127.0.0.1: measure capacity
        })
        engine = Engine(settings)
        engine.retriever.warm()
        demo = build_app(settings, engine)
        port = free_port()
        demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
        url = f"http://127.0.0.1:{port}/"
        stop = time.time() + DEADLINE_S
        print("| sessions | answers | errors | throughput | p50 | p95 | isolated |")
        print("|---|---|---|---|---|---|---|")
        for n in [int(x) for x in args.sessions.split(",")]:
            work = [[pool[(i * args.questions + j) % len(pool)] for j in range(args.questions)] for i in range(n)]
            t = time.perf_counter()
            with ThreadPoolExecutor(n) as ex:
                results = list(ex.map(lambda qs: session(url, qs, stop), work))
            wall = time.perf_counter() - t
            lat = [x for r in results for x in r[0]]
            errors = sum(r[1] for r in results)
            isolated = all(r[2] for r in results)
            print(f"| {n} | {len(lat)} | {errors} | {len(lat) / wall:.2f}/s | {percentile(lat, 0.5):.1f} s | "
                  f"{percentile(lat, 0.95):.1f} s | {'yes' if isolated else 'NO'} |", flush=True)
        demo.close()
    threading.Event().wait(0.1)


if __name__ == "__main__":
    main()

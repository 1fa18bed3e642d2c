"""Ask benchmark over the bundled corpus: retrieval latency, extractive end-to-end latency, and
the overhead our code adds around an LLM call (scripted local server with a fixed delay).

    python bench/ask.py [--rounds 3] [--llm-delay 1.0]

Prints figures; asserts nothing. Uses the default index (builds it on first run).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.metrics import percentile  # noqa: E402
from eval.questions import SHIPPED, load_questions  # noqa: E402
from rag import Engine, Settings  # noqa: E402


def ms(values: list[float], q: float) -> str:
    return f"{percentile(values, q) * 1000:.0f} ms"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--llm-delay", type=float, default=1.0, help="seconds the stub LLM takes per answer")
    args = ap.parse_args()
    from ingest.quantize import cpu_flags, cpu_name

    print(f"CPU: {cpu_name()} ({' '.join(cpu_flags()) or 'no SIMD flags read'})", flush=True)  # int8 kernels differ
    questions = [q.question for q in load_questions(SHIPPED)]
    settings = Settings().with_overrides(**{"llm.provider": "extractive"})
    engine = Engine(settings)
    engine.retriever.warm()
    engine.ask(questions[0])

    for mode in ("hybrid", "dense", "bm25"):
        lat = []
        for _ in range(args.rounds):
            for q in questions:
                t = time.perf_counter()
                engine.retriever.retrieve(q, mode=mode)
                lat.append(time.perf_counter() - t)
        print(f"retrieve {mode:6s}: p50 {ms(lat, 0.5)}  p95 {ms(lat, 0.95)}  (n={len(lat)})")

    lat = []
    for q in questions:
        t = time.perf_counter()
        engine.ask(q)
        lat.append(time.perf_counter() - t)
    print(f"extractive answer end to end: p50 {ms(lat, 0.5)}  p95 {ms(lat, 0.95)}  (n={len(lat)})")

    sys.path.insert(0, str(ROOT))
    from tests.openai_stub import Reply, ScriptedOpenAIServer

    with ScriptedOpenAIServer(models=("stub",)) as server:
        server.default = Reply("Re-warming the learning rate helps continual pre-training [1].", delay=args.llm_delay, chunk_size=10_000)
        gen = Engine(settings.with_overrides(**{"llm.provider": "openai", "llm.base_url": server.base_url,
                                                "llm.model": "stub", "llm.max_retries": 0}), auto_ingest=False)
        overhead = []
        for q in questions[:20]:
            t = time.perf_counter()
            answer = gen.ask(q)
            total = time.perf_counter() - t
            if answer.timings.get("generate", 0) >= args.llm_delay:  # the LLM was called
                overhead.append((total - args.llm_delay) / total)
        print(f"overhead around a {args.llm_delay:.1f} s LLM call: median {percentile(overhead, 0.5) * 100:.1f}% "
              f"of the answer's time (retrieval + prompt + grounding), n={len(overhead)}")


if __name__ == "__main__":
    main()

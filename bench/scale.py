"""Scale benchmark: synthetic corpora from 10k to 1M papers, ingested and queried end to end.

    python bench/scale.py --papers 10000,50000,200000 [--embedder stub|int8] [--out DIR]

Papers are recombined from the SciFact corpus's sentences (titles, 3-9 sentence abstracts,
years, authors), written as JSON Lines files of 10,000 papers. With ``--embedder stub`` (the
default) vectors come from a hashing embedder in-process, so the figures are our pipeline's
and Chroma's costs without the encoder (which caps real ingest at 25-50 chunks/s on 2 cores).
Each step runs in its own process, so RSS and cold-open figures are the process's own:

- ingest from empty: seconds, chunks/s, peak RSS, index size on disk;
- cold open: a fresh process to its first answer (extractive): the median and worst of five
  such processes, then the engine process's own, and its RSS then;
- warm retrieval p50/p95 per mode (dense, bm25, hybrid; 100 SciFact claims);
- re-ingest of the unchanged files;
- +1%: a new file of 1% more papers ingested by another process while the engine runs, then
  that engine's first query and the one after it, how long until each half finds a new paper
  by its text, and the engine's peak RSS (ru_maxrss) once its vector index has reloaded.

Prints one JSON line per size and a Markdown table; asserts nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"
PER_FILE = 10_000
_TOKEN = re.compile(r"[a-z0-9]+")


class StubEmbedder:
    """Hashing bag-of-words vectors (384 dims, normalised): similar texts are similar, cost is
    a dictionary lookup per word. Stands in for the encoder so sizes up to 1M run here."""

    model_name = "stub-hash-384"
    dim = 384

    def __init__(self) -> None:
        self._slot: dict[str, tuple[int, float]] = {}

    def embed(self, texts):  # noqa: ANN001, ANN201
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _TOKEN.findall(text.lower()):
                slot = self._slot.get(word)
                if slot is None:
                    h = hashlib.blake2b(word.encode(), digest_size=4).digest()
                    slot = self._slot[word] = (int.from_bytes(h[:3], "little") % self.dim, 1.0 if h[3] & 1 else -1.0)
                out[row, slot[0]] += slot[1]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


def _sentences() -> list[str]:
    out = []
    with open(SCIFACT / "corpus.jsonl") as f:
        for line in f:
            text = json.loads(line)["text"]
            out += [s for s in re.split(r"(?<=[.!?])\s+", text) if 40 <= len(s) <= 400]
    return out


def _paper(rng: random.Random, sents: list[str], names: list[str], pid: str) -> dict:
    title = rng.choice(sents).rstrip(".")
    title = " ".join(title.split()[:14]) + f" ({pid})"  # the id makes each paper findable by name
    return {
        "id": pid,
        "title": title,
        "abstract": " ".join(rng.choice(sents) for _ in range(rng.randint(3, 9))),
        "year": rng.randint(1990, 2025),
        "authors": ", ".join(rng.sample(names, rng.randint(1, 5))),
    }


def generate(directory: Path, n: int, seed: int = 0) -> tuple[Path, Path]:
    """``n`` papers in ``directory/corpus`` and 1% more in ``directory/extra`` (idempotent)."""
    corpus, extra = directory / "corpus", directory / "extra"
    done = directory / ".generated"
    if done.exists() and done.read_text() == str(n):
        return corpus, extra
    shutil.rmtree(directory, ignore_errors=True)
    corpus.mkdir(parents=True)
    extra.mkdir()
    rng = random.Random(seed)
    sents = _sentences()
    first = "Ada Alan Grace Edsger Barbara Donald Leslie Tony Frances John Radia Shafi Silvio Judea".split()
    last = "Lovelace Turing Hopper Dijkstra Liskov Knuth Lamport Hoare Allen Backus Perlman Goldwasser Micali Pearl".split()
    names = [f"{a} {b}{i if i else ''}" for i in range(40) for a in first for b in last]
    for lo in range(0, n, PER_FILE):
        with open(corpus / f"part-{lo // PER_FILE:04d}.jsonl", "w") as f:
            for i in range(lo, min(n, lo + PER_FILE)):
                f.write(json.dumps(_paper(rng, sents, names, f"s{i}")) + "\n")
    with open(extra / "extra.jsonl", "w") as f:
        for i in range(n, n + max(1, n // 100)):
            f.write(json.dumps(_paper(rng, sents, names, f"s{i}")) + "\n")
    done.write_text(str(n))
    return corpus, extra


def _settings(index: Path, embedder: str):  # noqa: ANN202
    from rag import Settings

    overrides = {"chroma.path": index, "llm.provider": "extractive"}
    if embedder != "stub":
        overrides["embedding.backend"] = embedder
    return Settings().with_overrides(**overrides)


def _embedder(kind: str):  # noqa: ANN202
    from ingest.embed import CachedEmbedder
    from rag.store import embedder_for

    return CachedEmbedder(StubEmbedder()) if kind == "stub" else embedder_for(_settings(Path("."), kind))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


# -- the child processes ----------------------------------------------------------------
def child_ingest(index: Path, paths: list[str], embedder: str) -> None:
    from rag import ingest_paths

    t = time.perf_counter()
    report = ingest_paths(_settings(index, embedder), paths, embedder=_embedder(embedder))
    seconds = time.perf_counter() - t
    print(json.dumps({
        "seconds": seconds, "chunks_written": report.chunks_written, "chunks_total": report.chunks_total,
        "new": report.new, "unchanged": report.unchanged, "peak_rss_mb": _rss_mb(),
    }), flush=True)


def _cold_open(index: Path, embedder: str, question: str):  # noqa: ANN202
    """A fresh process's engine and its first answer, and the seconds from import to it."""
    t0 = time.perf_counter()
    from rag import Engine

    engine = Engine(_settings(index, embedder), auto_ingest=False, embedder=_embedder(embedder))
    answer = engine.ask(question)
    return engine, answer, time.perf_counter() - t0


def child_engine(index: Path, embedder: str) -> None:
    """Cold open to the first answer, warm latencies, then commands on stdin ("query TEXT")."""
    questions = [json.loads(line)["text"] for line in open(SCIFACT / "queries.jsonl")][:100]
    engine, answer, cold = _cold_open(index, embedder, questions[0])
    out = {"cold_open_s": cold, "cold_rss_mb": _rss_mb(), "first_answer_sources": len(answer.sources)}
    for mode in ("dense", "bm25", "hybrid"):
        lat = []
        for q in questions:
            t = time.perf_counter()
            engine.retriever.retrieve(q, mode=mode)
            lat.append(time.perf_counter() - t)
        lat.sort()
        out[f"{mode}_p50_ms"] = 1000 * lat[len(lat) // 2]
        out[f"{mode}_p95_ms"] = 1000 * lat[int(len(lat) * 0.95)]
    out["warm_rss_mb"] = _rss_mb()
    print(json.dumps(out), flush=True)
    for line in sys.stdin:
        if line.startswith("rss"):
            print(json.dumps({"rss_mb": _rss_mb()}), flush=True)
            continue
        if not line.startswith("query "):
            break
        _, mode, q = line.strip().split(" ", 2)
        t = time.perf_counter()
        r = engine.retriever.retrieve(q, mode=mode)
        print(json.dumps({"ms": 1000 * (time.perf_counter() - t), "papers": [s.paper_id for s in r.sources]}), flush=True)


def child_cold(index: Path, embedder: str) -> None:
    """One cold open to the first answer, and exit."""
    question = json.loads(open(SCIFACT / "queries.jsonl").readline())["text"]
    print(json.dumps({"cold_open_s": _cold_open(index, embedder, question)[2]}), flush=True)


COLD_RUNS = 5  # a single cold open varies by up to 30% here; report the median and the worst


def _run(args: list[str]) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        raise SystemExit(f"bench step {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


def bench_size(n: int, out: Path, embedder: str, keep: bool, resume: bool = False) -> dict:
    work = out / f"{n}"
    corpus, extra = generate(work / "data", n)
    index = work / "index"
    row: dict = {"papers": n, "embedder": embedder, "resumed": resume and index.exists()}
    if not row["resumed"]:
        shutil.rmtree(index, ignore_errors=True)
    first = _run(["_ingest", str(index), embedder, str(corpus)])
    row.update(chunks=first["chunks_total"], ingest_s=first["seconds"],
               ingest_chunks_per_s=first["chunks_written"] / first["seconds"], ingest_peak_rss_mb=first["peak_rss_mb"],
               index_mb=_du(index) / 1e6)
    colds = sorted(_run(["_cold", str(index), embedder])["cold_open_s"] for _ in range(COLD_RUNS))
    row.update(cold_open_median_s=colds[len(colds) // 2], cold_open_max_s=colds[-1])
    engine = subprocess.Popen([sys.executable, __file__, "_engine", str(index), embedder],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert engine.stdout is not None and engine.stdin is not None
    row.update(json.loads(_readline(engine)))
    again = _run(["_ingest", str(index), embedder, str(corpus)])
    row["reingest_unchanged_s"] = again["seconds"]
    plus = _run(["_ingest", str(index), embedder, str(extra)])
    row["plus1pct_s"] = plus["seconds"]
    row["plus1pct_papers"] = plus["new"]
    probe = json.loads((extra / "extra.jsonl").read_text().splitlines()[0])
    want = f"id-{probe['id']}"
    text = f"{probe['title']} {probe['abstract']}".replace("\n", " ")  # found by its own text
    for key in ("first_query_after_ms", "second_query_after_ms"):
        engine.stdin.write(f"query hybrid {text}\n")
        engine.stdin.flush()
        row[key] = json.loads(_readline(engine))["ms"]
    # when each half finds the new paper by its text (the lexical one at once, the dense one once
    # the local vector index has reloaded on its thread; the stub's vectors are too crude for an
    # approximate search to find a paper by its title alone)
    for mode in ("bm25", "dense"):
        started, found = time.perf_counter(), False
        while not found and time.perf_counter() - started < 120:
            engine.stdin.write(f"query {mode} {text}\n")
            engine.stdin.flush()
            found = want in json.loads(_readline(engine))["papers"]
        row[f"{mode}_sees_new_paper_s"] = time.perf_counter() - started if found else float("nan")
    engine.stdin.write("rss\n")
    engine.stdin.flush()
    row["rss_after_reload_mb"] = json.loads(_readline(engine))["rss_mb"]
    engine.stdin.close()
    engine.wait(timeout=60)
    if not keep:
        shutil.rmtree(index, ignore_errors=True)
    return row


def _readline(proc: subprocess.Popen) -> str:
    while True:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("the engine process ended early")
        if line.startswith("{"):
            return line


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_ingest":
        return child_ingest(Path(sys.argv[2]), sys.argv[4:], sys.argv[3])
    if len(sys.argv) > 1 and sys.argv[1] == "_cold":
        return child_cold(Path(sys.argv[2]), sys.argv[3])
    if len(sys.argv) > 1 and sys.argv[1] == "_engine":
        return child_engine(Path(sys.argv[2]), sys.argv[3])
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", default="10000,50000,200000")
    ap.add_argument("--embedder", default="stub", help="stub (hashing, no encoder) or an embedding backend")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "scale"))
    ap.add_argument("--keep", action="store_true", help="keep each size's index")
    ap.add_argument("--resume", action="store_true",
                    help="finish an interrupted run's index instead of starting from empty (the ingest "
                    "figures then cover only the rest; the row says resumed)")
    args = ap.parse_args()
    rows = []
    for n in (int(x) for x in args.papers.split(",")):
        row = bench_size(n, Path(args.out), args.embedder, args.keep, args.resume)
        rows.append(row)
        print(json.dumps(row), flush=True)
    cols = [
        ("papers", "{:,}"), ("chunks", "{:,}"), ("ingest_s", "{:.0f} s"), ("ingest_chunks_per_s", "{:.0f}"),
        ("ingest_peak_rss_mb", "{:.0f} MB"), ("index_mb", "{:.0f} MB"), ("cold_open_median_s", "{:.1f} s"),
        ("cold_open_max_s", "{:.1f} s"), ("cold_open_s", "{:.1f} s"),
        ("cold_rss_mb", "{:.0f} MB"), ("hybrid_p50_ms", "{:.1f} ms"), ("hybrid_p95_ms", "{:.1f} ms"),
        ("dense_p50_ms", "{:.1f} ms"), ("bm25_p50_ms", "{:.1f} ms"), ("reingest_unchanged_s", "{:.1f} s"),
        ("plus1pct_s", "{:.1f} s"), ("first_query_after_ms", "{:.0f} ms"), ("second_query_after_ms", "{:.0f} ms"),
        ("bm25_sees_new_paper_s", "{:.2f} s"), ("dense_sees_new_paper_s", "{:.1f} s"), ("rss_after_reload_mb", "{:.0f} MB"),
    ]
    print("\n| " + " | ".join(c for c, _ in cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(fmt.format(r.get(c, float("nan"))) for c, fmt in cols) + " |")


if __name__ == "__main__":
    main()

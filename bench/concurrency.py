"""Concurrency stress: engines answering while another process ingests, back to back.

    python bench/concurrency.py [--papers 2000] [--engines 2] [--rounds 30] [--save-always]

Builds a synthetic index (``bench/scale.py``'s generator and stub embedder), starts
``--engines`` engine processes that retrieve in every mode (dense, bm25, hybrid) without pause,
and meanwhile runs ``--rounds`` small ingests of 20 new papers each in another process. With
``--save-always`` every ingest also saves Chroma's vector graph (``ingest.vectorsave``; small
ingests skip it otherwise), which exercises the save's guard against engines reloading.

Reports each ingest's time and any error, each engine's query count and errors, and then, from
a fresh process: vectors missing from the graph, the stored save threshold, unsaved log entries,
and how many of a sample of the new papers dense retrieval finds by their own text (the stub's
hashed vectors are crude, so a few misses are the stub's; compare runs with and without
``--save-always``). Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale import _embedder, _paper, _sentences, _settings, generate  # noqa: E402

QUESTION = "sentences about cancer cells and mice"


def child_engine(index: Path, seconds: float) -> None:
    from rag import Engine

    engine = Engine(_settings(index, "stub"), auto_ingest=False, embedder=_embedder("stub"))
    end, queries, errors = time.monotonic() + seconds, 0, []
    while time.monotonic() < end:
        for mode in ("dense", "bm25", "hybrid"):
            try:
                engine.retriever.retrieve(QUESTION, mode=mode)
                queries += 1
            except Exception as exc:  # noqa: BLE001 - counted and reported
                errors.append(f"{mode}: {type(exc).__name__}: {str(exc)[:200]}")
    print(json.dumps({"queries": queries, "errors": errors}), flush=True)


def child_writer(index: Path, work: Path, rounds: int, save_always: bool) -> None:
    import ingest.vectorsave as vectorsave
    from rag import ingest_paths

    if save_always:
        vectorsave.MIN_BACKLOG = 0
    rng, sents = random.Random(7), _sentences()
    names = [f"Author {i}" for i in range(9)]
    out = []
    for r in range(rounds):
        path = work / f"add-{r:03d}.jsonl"
        path.write_text("".join(json.dumps(_paper(rng, sents, names, f"w{r}x{i}")) + "\n" for i in range(20)))
        t = time.perf_counter()
        try:
            report = ingest_paths(_settings(index, "stub"), [str(path)], embedder=_embedder("stub"))
            seconds = round(time.perf_counter() - t, 2)
            out.append({"round": r, "new": report.new, "s": seconds, "unsaved_after": _unsaved(index)})
        except Exception as exc:  # noqa: BLE001 - reported
            out.append({"round": r, "error": f"{type(exc).__name__}: {str(exc)[:300]}"})
    print(json.dumps(out), flush=True)


def _unsaved(index: Path) -> int | None:
    import sqlite3

    import ingest.vectorsave as vectorsave

    con = sqlite3.connect(f"file:{index / 'chroma.sqlite3'}?mode=ro", uri=True)
    try:
        (cid,) = con.execute("select id from collections where name = 'paperchat'").fetchone()
    finally:
        con.close()
    return vectorsave.unsaved_entries(index, cid)


def child_check(index: Path, work: Path) -> None:
    import ingest.vectorsave as vectorsave
    from rag import Engine

    engine = Engine(_settings(index, "stub"), auto_ingest=False, embedder=_embedder("stub"))
    col = engine.index.collection
    ids = col.get(include=[])["ids"]
    missing = 0
    for lo in range(0, len(ids), 200):
        batch = ids[lo : lo + 200]
        try:
            col.get(ids=batch, include=["embeddings"])
        except Exception:  # noqa: BLE001 - find which
            for cid in batch:
                try:
                    col.get(ids=[cid], include=["embeddings"])
                except Exception:  # noqa: BLE001
                    missing += 1
    papers = [json.loads(line) for f in sorted(work.glob("add-*.jsonl")) for line in f.read_text().splitlines()]
    sample = papers[::7]
    found = sum(
        f"id-{p['id']}" in [s.paper_id for s in engine.retriever.retrieve(f"{p['title']} {p['abstract']}", top_k=5, mode="dense").sources]
        for p in sample
    )
    print(json.dumps({
        "chunks": len(ids), "vectors_missing": missing, "threshold": vectorsave.threshold(col),
        "unsaved_entries": vectorsave.unsaved_entries(index, str(col.id)),
        "dense_finds_new_papers": f"{found}/{len(sample)}",
    }), flush=True)


def _json(proc_out: str) -> object:
    return json.loads([ln for ln in proc_out.splitlines() if ln.startswith(("{", "["))][-1])


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_engine":
        return child_engine(Path(sys.argv[2]), float(sys.argv[3]))
    if len(sys.argv) > 1 and sys.argv[1] == "_writer":
        return child_writer(Path(sys.argv[2]), Path(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1")
    if len(sys.argv) > 1 and sys.argv[1] == "_check":
        return child_check(Path(sys.argv[2]), Path(sys.argv[3]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--engines", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--save-always", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "concurrency"))
    args = ap.parse_args()
    out = Path(args.out)
    corpus, _ = generate(out / "data", args.papers)
    index, work = out / "index", out / "added"
    shutil.rmtree(index, ignore_errors=True)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    from rag import ingest_paths

    ingest_paths(_settings(index, "stub"), [str(corpus)], embedder=_embedder("stub"))
    me = [sys.executable, __file__]
    # the engines run a little past the writer's expected time; their counts come at the end
    engines = [
        subprocess.Popen([*me, "_engine", str(index), str(3 * args.rounds + 10)], stdout=subprocess.PIPE, text=True)
        for _ in range(args.engines)
    ]
    time.sleep(3)
    writer = subprocess.run([*me, "_writer", str(index), str(work), str(args.rounds), "1" if args.save_always else "0"],
                            capture_output=True, text=True, check=False)
    rounds = _json(writer.stdout) if writer.returncode == 0 else [{"error": writer.stderr[-500:]}]
    seen = [_json(p.communicate()[0]) for p in engines]
    check = _json(subprocess.run([*me, "_check", str(index), str(work)], capture_output=True, text=True, check=True).stdout)
    failed = [r for r in rounds if "error" in r]
    times = sorted(r["s"] for r in rounds if "s" in r)
    print(json.dumps({
        "ingests": len(rounds), "ingest_errors": failed[:3], "ingest_p50_s": times[len(times) // 2] if times else None,
        "unsaved_after_each": [r.get("unsaved_after") for r in rounds],
        "engine_queries": [e["queries"] for e in seen], "engine_errors": [e["errors"][:3] for e in seen],
        **check,
    }, indent=1))


if __name__ == "__main__":
    main()

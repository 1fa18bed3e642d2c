"""Ingest benchmark: the bundled corpus from empty, bare encode time, unchanged re-ingest.
The bare encode is of what the ingest embeds: the chunks, and each abstract sentence unless
``PAPERCHAT_CHUNKING__SENTENCE_VECTORS=false`` (``Index.sentence_vectors``). The papers' token
vectors (``ingest.tokenstore``) come from the chunks' own passes, so they add no encoding.

    python bench/ingest.py [--backends int8,torch,onnx]

Prints figures; asserts nothing. Run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from ingest import read_paths  # noqa: E402
from ingest.chunking import chunk_paper  # noqa: E402
from ingest.embed import Int8MiniLM, OnnxMiniLM, TorchMiniLM  # noqa: E402
from ingest.words import split_sentences  # noqa: E402
from rag import Settings, ingest_paths  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(backend: str) -> dict:
    papers = read_paths([ROOT / "data"]).papers
    s = Settings().with_overrides(**{"embedding.backend": backend})
    chunk_paper(papers[0], s.chunking.size, s.chunking.overlap, s.chunking.unit)  # load the tokenizer
    t = time.perf_counter()
    chunks = [c.text for p in papers for c in chunk_paper(p, s.chunking.size, s.chunking.overlap, s.chunking.unit)]
    chunking = time.perf_counter() - t
    docs = [f"{p.title}\n{p.abstract}" for p in papers]
    model = {"torch": TorchMiniLM, "onnx": OnnxMiniLM, "int8": Int8MiniLM}[backend]()
    model.embed(docs[:8])  # load (and for int8 build once, if not cached) outside the timings
    t = time.perf_counter()
    batched = model.embed(chunks)
    bare_chunks = time.perf_counter() - t
    t = time.perf_counter()  # how the ingest embeds them: one unpadded pass each (``ingest.pipeline``)
    alone = np.vstack([model.embed([c]) for c in chunks])
    bare_alone = time.perf_counter() - t
    # int8 activations are quantised per pass: which way of embedding stays closer to fp32
    fp32 = TorchMiniLM().embed(chunks) if backend != "torch" else batched
    to_fp32 = (float(np.mean(np.sum(batched * fp32, axis=1))), float(np.mean(np.sum(alone * fp32, axis=1))))
    sentences = [x.text for p in papers for x in split_sentences(p.abstract)] if s.chunking.sentence_vectors else []
    t = time.perf_counter()
    model.embed(sentences)
    bare_sentences = time.perf_counter() - t
    t = time.perf_counter()
    model.embed(docs)
    bare_docs = time.perf_counter() - t
    del model

    with tempfile.TemporaryDirectory() as tmp:
        s = s.with_overrides(**{"chroma.path": Path(tmp) / "chroma"})
        from rag.store import embedder_for

        embedder_for(s).inner.embed(["load the model outside the timing"])
        t = time.perf_counter()
        report = ingest_paths(s)
        first = time.perf_counter() - t
        t = time.perf_counter()
        again = ingest_paths(s)
        second = time.perf_counter() - t
        assert again.chunks_written == 0
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ui.cli", "ingest", "--index-path", str(s.index_path),
                        "--embedding", backend], check=True, capture_output=True)
        cli_again = time.perf_counter() - t
    return {
        "backend": backend,
        "papers": report.papers_read,
        "chunks": len(chunks),
        "chunking_s": chunking,
        "first_ingest_s": first,
        "papers_per_s": report.papers_read / first,
        "bare_encode_chunks_s": bare_chunks,
        "bare_encode_chunks_alone_s": bare_alone,
        "chunks_cos_fp32": to_fp32,
        "sentences": len(sentences),
        "bare_encode_sentences_s": bare_sentences,
        "overhead_pct": 100 * (first - bare_chunks - bare_sentences) / (bare_chunks + bare_sentences),
        "bare_encode_title_abstract_s": bare_docs,
        "reingest_s": second,
        "reingest_cli_s": cli_again,
        "peak_rss_mb": peak_rss_mb(),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="int8,torch,onnx")
    args = ap.parse_args()
    from ingest.quantize import cpu_flags, cpu_name

    print(f"CPU: {cpu_name()} ({' '.join(cpu_flags()) or 'no SIMD flags read'})", flush=True)  # int8 kernels differ
    rows = [bench(b) for b in args.backends.split(",")]
    print("| backend | papers | chunks | sentences | chunking | first ingest | papers/s | bare encode (chunks) | "
          "bare encode (chunks, one a pass) | chunks' cosine to fp32 (batched / one a pass) | "
          "bare encode (sentences) | overhead | bare encode (title+abstract) | re-ingest (in-process) | "
          "re-ingest (CLI) | peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['papers']} | {r['chunks']} | {r['sentences']} | {r['chunking_s']:.2f} s | "
              f"{r['first_ingest_s']:.1f} s | {r['papers_per_s']:.1f} | {r['bare_encode_chunks_s']:.1f} s | "
              f"{r['bare_encode_chunks_alone_s']:.1f} s | {r['chunks_cos_fp32'][0]:.5f} / {r['chunks_cos_fp32'][1]:.5f} | "
              f"{r['bare_encode_sentences_s']:.1f} s | {r['overhead_pct']:+.0f}% | {r['bare_encode_title_abstract_s']:.1f} s | "
              f"{r['reingest_s']:.2f} s | {r['reingest_cli_s']:.1f} s | {r['peak_rss_mb']:.0f} MB |")


if __name__ == "__main__":
    main()

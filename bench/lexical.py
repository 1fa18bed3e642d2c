"""Lexical index candidates at scale, one process each: tantivy against bm25s save/load.

    python bench/lexical.py 320000 tantivy
    python bench/lexical.py 320000 bm25s

Synthetic chunks of five SciFact sentences each; prints build time and RSS, open time, query
p50/p95 over 200 SciFact claims (top 40, as the retriever asks) and the size on disk. The
measurement behind ``ingest/lexical.py``'s choice; it asserts nothing.
"""

from __future__ import annotations

import gc
import json
import os
import random
import re
import resource
import shutil
import sys
import time
from pathlib import Path

SCIFACT = Path(__file__).resolve().parent.parent.parent / "shared" / "benchmarks" / "scifact" / "beir"
OUT = Path(__file__).resolve().parent / "out" / "lexical"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n, which = int(sys.argv[1]), sys.argv[2]
    rng = random.Random(0)
    sents = []
    for line in open(SCIFACT / "corpus.jsonl"):
        sents += [s for s in re.split(r"(?<=[.!?])\s+", json.loads(line)["text"]) if len(s) > 20]
    docs = [" ".join(rng.choice(sents) for _ in range(5)) for _ in range(n)]
    queries = [json.loads(line)["text"] for line in open(SCIFACT / "queries.jsonl")][:200]
    print(f"docs {n} rss {rss_mb():.0f} MB", flush=True)
    directory = OUT / f"{which}-{n}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    lat = []
    if which == "bm25s":
        import bm25s
        import Stemmer

        stem = Stemmer.Stemmer("english")
        t = time.perf_counter()
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(docs, stopwords="en", stemmer=stem, show_progress=False), show_progress=False)
        retriever.save(str(directory))
        print(f"build {time.perf_counter() - t:.1f} s, rss {rss_mb():.0f} MB", flush=True)
        del retriever
        gc.collect()
        t = time.perf_counter()
        retriever = bm25s.BM25.load(str(directory), mmap=True)
        print(f"open {time.perf_counter() - t:.2f} s")
        for q in queries:
            t = time.perf_counter()
            tokens = bm25s.tokenize([q], stopwords="en", stemmer=stem, show_progress=False)
            retriever.retrieve(tokens, k=40, show_progress=False, n_threads=1)
            lat.append(time.perf_counter() - t)
    else:
        import tantivy

        sb = tantivy.SchemaBuilder()
        sb.add_text_field("text", tokenizer_name="en_stem", index_option="freq")
        sb.add_text_field("cid", stored=True, tokenizer_name="raw")
        sb.add_integer_field("year", indexed=True, fast=True)
        t = time.perf_counter()
        index = tantivy.Index(sb.build(), path=str(directory))
        writer = index.writer(heap_size=200_000_000, num_threads=1)
        for i, doc in enumerate(docs):
            writer.add_document(tantivy.Document(text=doc, cid=f"p{i}#0", year=2000 + i % 25))
        writer.commit()
        writer.wait_merging_threads()
        print(f"build {time.perf_counter() - t:.1f} s, rss {rss_mb():.0f} MB", flush=True)
        del index, writer
        gc.collect()
        t = time.perf_counter()
        index = tantivy.Index.open(str(directory))
        index.reload()
        searcher = index.searcher()
        print(f"open {time.perf_counter() - t:.2f} s")
        for q in queries:
            t = time.perf_counter()
            hits = searcher.search(index.parse_query(re.sub(r"[^\w\s]", " ", q), ["text"]), 40).hits
            [searcher.doc(addr)["cid"][0] for _, addr in hits]
            lat.append(time.perf_counter() - t)
    lat.sort()
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(directory) for f in fs)
    print(f"p50 {1000 * lat[len(lat) // 2]:.1f} ms, p95 {1000 * lat[int(len(lat) * 0.95)]:.1f} ms, "
          f"rss {rss_mb():.0f} MB, size {size / 1e6:.0f} MB")


if __name__ == "__main__":
    main()

"""Probe (stop 47, measured, not adopted): dense pseudo-relevance feedback (Rocchio) before the
search. The question's vector is moved toward the mean of its k nearest chunks' vectors
(v + beta x mean, unit length), then searched as usual (hybrid, candidates 200, the top 100) and
the first 10 reranked as ``eval.beir`` does; nDCG@10 per (k, beta) on SciFact **train** claims,
in two halves (no test claim is read unless ``SPLIT=test``).

    python bench/prf_probe.py --scifact-index DIR [--collection NAME]

Result (README, stop 47): every (k, beta) scored below no feedback on the train claims.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval import metrics as m  # noqa: E402
from rag import Engine, Settings  # noqa: E402

ap = argparse.ArgumentParser()
ap.add_argument("--scifact-index", required=True)
ap.add_argument("--collection", default="beir-scifact-beir")
args = ap.parse_args()
B = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"
split = os.environ.get("SPLIT", "train")
base = Settings().with_overrides(**{"llm.provider": "extractive", "data_dir": B, "chroma.path": args.scifact_index,
                                   "chroma.collection": args.collection, "retrieval.candidates": 200,
                                   "retrieval.top_k": 100})
engine = Engine(base, auto_ingest=False)
retriever = engine.retriever
queries = {str(json.loads(line)["_id"]): json.loads(line)["text"] for line in open(B / "queries.jsonl")}
gains: dict[str, dict[str, int]] = {}
for line in open(B / "qrels" / f"{split}.tsv").read().splitlines()[1:]:
    q, d, g = line.split("\t")
    gains.setdefault(q, {})[d] = int(g)
embed = retriever.embedder.embed
configs = [(0, 0.0)] + [(k, b) for k in (3, 5, 10) for b in (0.25, 0.5, 1.0)]
reranked: dict[tuple, list[float]] = {c: [] for c in configs}
hybrid: dict[tuple, list[float]] = {c: [] for c in configs}
for qid in sorted(gains, key=int):
    q = queries[qid]
    v = embed([q])[0]
    near = np.array(retriever.index.collection.query(query_embeddings=[v.tolist()], n_results=10,
                                                     include=["embeddings"])["embeddings"][0])
    for k, beta in configs:
        moved = v + beta * near[:k].mean(0) if k else v
        moved = (moved / np.linalg.norm(moved)).astype(v.dtype)
        retriever.embedder.embed = lambda texts, moved=moved: np.array([moved])  # the search's one question
        try:
            r = retriever.retrieve(q, top_k=100)
        finally:
            retriever.embedder.embed = embed
        hybrid[(k, beta)].append(m.ndcg_at_k([s.paper_id.removeprefix("id-") for s in r.sources], gains[qid], 10))
        r = engine.rerank(q, r, 10)
        reranked[(k, beta)].append(m.ndcg_at_k([s.paper_id.removeprefix("id-") for s in r.sources], gains[qid], 10))
print(f"SciFact {split} claims: {len(gains)}; nDCG@10 with the rerank (two halves), and hybrid alone")
for c in configs:
    a = np.array(reranked[c])
    h = len(a) // 2
    print(f"  k {c[0]:2} beta {c[1]:.2f}: reranked {a.mean():.4f} ({a[:h].mean():.4f} / {a[h:].mean():.4f}) · "
          f"hybrid {np.mean(hybrid[c]):.4f}", flush=True)

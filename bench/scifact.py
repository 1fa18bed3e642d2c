"""SciFact (BEIR test split) retrieval quality of each retrieval mode; prints a table.

    python bench/scifact.py [--index-path DIR] [--weights 0.3,0.4,0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.beir import evaluate_beir  # noqa: E402
from rag import Settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--beir", default=str(DEFAULT))
    ap.add_argument("--index-path", default=str(ROOT / "bench" / "out" / "scifact-index"))
    ap.add_argument("--weights", default="0.3,0.4,0.5")
    ap.add_argument("--modes", default="dense,bm25,hybrid")
    ap.add_argument("--embedding", default=None, help="embedding backend (default: the settings')")
    ap.add_argument("--rerank-depth", type=int, default=10, help="papers the soft-coverage rerank reorders (0: none)")
    args = ap.parse_args()
    base = Settings().with_overrides(**{"chroma.path": args.index_path, "llm.provider": "extractive"})
    if args.embedding:
        base = base.with_overrides(**{"embedding.backend": args.embedding})
    rows = []
    for mode in args.modes.split(","):
        weights = [float(w) for w in args.weights.split(",")] if mode == "hybrid" else [base.retrieval.bm25_weight]
        for w in weights:
            s = base.with_overrides(**{"retrieval.mode": mode, "retrieval.bm25_weight": w})
            r = evaluate_beir(args.beir, s, rerank_depth=args.rerank_depth)
            r.pop("per_query")
            rows.append(r)
            print(json.dumps(r), flush=True)
    print(f"\nthe top {args.rerank_depth} reranked by soft coverage" if args.rerank_depth else "\nno rerank")
    print("\n| mode | BM25 weight | nDCG@10 | recall@100 | retrieve p50 |")
    print("|---|---|---|---|---|")
    for r in rows:
        w = r["bm25_weight"] if r["mode"] == "hybrid" else "–"
        print(f"| {r['mode']} | {w} | {r['ndcg@10']:.3f} | {r['recall@100']:.3f} | {r['retrieve_p50_ms']:.0f} ms |")


if __name__ == "__main__":
    main()

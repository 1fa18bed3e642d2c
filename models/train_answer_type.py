"""Train the answer-type model (``rag/answer_type.py``): which sentence of a paper states what a
factoid asks for.

Data (offline; no eval set, no SciFact claim): the 300 factoid questions of
``models/reader_questions`` and the 600 of ``models/answer_questions`` (a finding, a method or
a reason asked of a paper; a chat follow-up about it, half asking a figure or a name), each over
papers no eval set uses (bundled papers, SciFact abstracts no dev/test claim cites), each with
the sentence(s) of its paper that answer it. For every question, each sentence of its paper is
a candidate; the answer sentences are the targets. The first model was fitted on the factoids
alone and put a figure first for questions that ask none ("what limitation …"); the second
set was written for that (its PROMPT.md).

Model: a sentence's score is ``similarity / tau + sum of its feature weights``, softmax over the
paper's sentences (the similarity reader's score, as the product computes it, with the default
embedder); features are ``rag.answer_type.features`` (shapes of the sentence, each crossed with
the question's asked-for slot type, and with its wh-phrase and slot words where at least
``MIN_DF`` training questions use them).
Fitted by full-batch gradient descent with an L2 penalty, fixed steps, deterministic.

Run once, from the project root (about 90 s on 2 cores, most of it encoding sentences):
    .venv/bin/python models/train_answer_type.py --out models
It prints and records a leave-one-corpus-out check (fitted on one corpus's questions, the
answer sentence ranked first on the other's, against similarity alone), and writes
models/answer_type.json (vocabulary, weights, tau, counts, that check) and its sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "models"))

from rag.answer_type import cues, features  # noqa: E402
from rag.question import QuestionProfile, profile  # noqa: E402

MIN_DF = 5  # a cue (wh-phrase, slot word) crosses the shapes when at least this many training questions have it
L2 = 1.0  # with the first model's features, 0.3 and 3.0 ranked as many dev key sentences first, within one (stop 35 note)
SETS = (("reader_questions", ("factoid",)), ("answer_questions", ("finding", "follow-up")))
STEPS = 300
RATE = 0.5


def questions() -> list[dict]:
    """Every training question with its paper's sentences, their similarity scores, and which
    ones answer it."""
    from train_reader import load_corpora

    from rag import Settings
    from rag.reader import SimilarityReader
    from rag.store import embedder_for

    bundled, scifact, by_id = load_corpora()
    titles = {t: i for i, (t, _) in enumerate(bundled)}
    reader = SimilarityReader(embedder_for(Settings()))
    out = []
    for folder, kinds in SETS:
        for line in (ROOT / "models" / folder / "questions.jsonl").read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            if r["kind"] not in kinds or not r["answer_sentences"]:
                continue
            if r["corpus"] == "bundled":
                sents = bundled[titles[r["paper"]]][1] if r["paper"] in titles else []
            else:
                sents = scifact[by_id[r["paper"]]][1] if r["paper"] in by_id else []
            answer = {k for k in r["answer_sentences"] if k < len(sents)}
            if len(sents) < 2 or not answer:
                continue
            sim = reader.score(r["question"], sents)
            out.append({"corpus": r["corpus"], "kind": r["kind"], "question": r["question"], "sentences": sents,
                        "similarity": [float(x) for x in sim], "answer": sorted(answer)})
    return out


def design(rows: list[dict], vocab: set[str], index: dict[str, int], grow: bool) -> list[list[list[int]]]:
    groups = []
    for r in rows:
        asked: QuestionProfile = profile(r["question"])
        last = max(len(r["sentences"]) - 1, 1)
        fs = []
        for k, s in enumerate(r["sentences"]):
            names = features(asked, s, k / last, vocab)
            fs.append([index.setdefault(f, len(index)) if grow else index[f] for f in names if grow or f in index])
        groups.append(fs)
    return groups


def fit(rows: list[dict], groups: list[list[list[int]]], size: int) -> tuple[np.ndarray, float, float]:
    w, tau = np.zeros(size), 0.1
    loss = 0.0
    for _ in range(STEPS):
        grad, grad_tau, loss = np.zeros(size), 0.0, 0.0
        for r, fs in zip(rows, groups, strict=True):
            sim = np.asarray(r["similarity"])
            z = sim / tau + np.array([w[f].sum() for f in fs])
            p = np.exp(z - z.max())
            p /= p.sum()
            y = np.zeros(len(sim))
            y[r["answer"]] = 1.0 / len(r["answer"])
            loss -= float(np.log(p[r["answer"]].sum() + 1e-12))
            d = p - y
            for j, f in enumerate(fs):
                grad[f] += d[j]
            grad_tau += float((d * (-sim / tau**2)).sum())
        w -= RATE * (grad + L2 * w) / len(rows)
        tau = max(0.02, tau - 0.0005 * grad_tau / len(rows))
    return w, tau, loss / len(rows)


def vocabulary(rows: list[dict]) -> set[str]:
    df = Counter(c for r in rows for c in cues(profile(r["question"])))
    return {w for w, c in df.items() if c >= MIN_DF}


def first_right(rows: list[dict], groups: list[list[list[int]]], w: np.ndarray | None, tau: float) -> int:
    """Questions whose answer sentence ranks first (by similarity alone when ``w`` is None)."""
    right = 0
    for r, fs in zip(rows, groups, strict=True):
        score = np.asarray(r["similarity"]) + (tau * np.array([w[f].sum() for f in fs]) if w is not None else 0.0)
        right += int(int(np.argmax(score)) in r["answer"])
    return right


def train(rows: list[dict]) -> tuple[set[str], dict[str, int], np.ndarray, float, float]:
    vocab = vocabulary(rows)
    index: dict[str, int] = {}
    groups = design(rows, vocab, index, grow=True)
    w, tau, loss = fit(rows, groups, len(index))
    return vocab, index, w, tau, loss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "models")
    args = ap.parse_args()
    rows = questions()
    check = {}
    for held in ("bundled", "scifact"):
        fitted = [r for r in rows if r["corpus"] != held]
        other = [r for r in rows if r["corpus"] == held]
        vocab, index, w, tau, _ = train(fitted)
        groups = design(other, vocab, index, grow=False)
        check[held] = {"questions": len(other), "similarity_first": first_right(other, groups, None, tau),
                       "with_model_first": first_right(other, groups, w, tau)}
        print(f"held out {held}: answer sentence first {check[held]['similarity_first']} -> "
              f"{check[held]['with_model_first']} of {len(other)}", flush=True)
    vocab, index, w, tau, loss = train(rows)
    weights = {f: round(float(w[i]), 6) for f, i in sorted(index.items()) if abs(w[i]) >= 1e-6}
    model = {
        "what": "answer-type weights over rag.answer_type.features; score = similarity + tau * sum(weights)",
        "trained_on": {"questions": len(rows), "by_kind": dict(Counter(r["kind"] for r in rows)),
                       "by_corpus": dict(Counter(r["corpus"] for r in rows))},
        "min_df": MIN_DF, "l2": L2, "steps": STEPS, "rate": RATE,
        "training_loss": round(loss, 4),
        "leave_one_corpus_out": check,
        "tau": round(tau, 6),
        "vocab": sorted(vocab),
        "weights": weights,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "answer_type.json"
    raw = json.dumps(model, indent=1, sort_keys=True).encode()
    path.write_bytes(raw)
    path.with_name(path.name + ".sha256").write_text(f"{hashlib.sha256(raw).hexdigest()}  {path.name}\n")
    print(f"wrote {path} ({len(weights)} weights, tau {tau:.3f}, training loss {loss:.3f})")


if __name__ == "__main__":
    main()

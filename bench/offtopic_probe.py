"""Probe (stop 47, measured, not adopted): does a question word that no retrieved paper comes near
tell an off-topic question from an answerable one, beyond the decision's features?

Off-topic questions name a topic the collection lacks ("tinnitus", "malware", "earthquake"); a
reader's paraphrase of an answerable one also has words no abstract writes ("melted", "walls").
Two candidates, each added in turn to the decision's logistic model (``bench/fit_evidence.py``'s
fit, sign-constrained, refusal threshold read on held-out confidences with the 5 % per-set cap),
every blind set's dev split, each set held out in turn:
- ``gap``: the largest IDF x (1 - closeness) over the question's content words, closeness being
  the word's best cosine to a token of the top k papers (``rag.coverage``, in MiniLM's space);
- ``absent``: whether a word is rare in English (pyspellchecker's counts below X), written in no
  form (plural, British, unhyphenated) by any paper of the collection, and under a closeness c to
  every top-5 paper.

    python bench/offtopic_probe.py --bundled-index DIR --scifact-index DIR [--collection NAME]

Result (README, stop 47): the decision's features alone refuse 35 of 86 off-topic questions held
out, at 6 false refusals of 378; the twelve candidates 31 to 37, at 4 to 7. The best of them (37 at
5) is one of twelve tries, within what choosing among them buys; none is adopted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import bench.fit_evidence as fe  # noqa: E402
from ingest.tokenstore import coverage_text  # noqa: E402
from rag import Engine, Settings  # noqa: E402
from rag.spelling import english, forms  # noqa: E402

BUNDLED = "paraphrase paraphrase3 paraphrase4 paraphrase5 paraphrase6 paraphrase7 paraphrase8 paraphrase9 paraphrase10"
SCIFACT = "scifact_qa scifact_qa2 scifact_qa3 scifact_qa4 scifact_qa5 scifact_qa6 scifact_qa7"


def word_rows(engine: Engine, name: str) -> list[dict]:
    """``fit_evidence.rows`` of the set's dev split, each with its content words: English count,
    papers writing any form (the speller's, and without "ies" or a hyphen), closeness to each of
    the top 5 papers, IDF."""
    en = english()

    def written(word: str) -> int:
        more = {word[:-3] + "y"} if word.endswith("ies") else set()
        more |= {word.replace("-", "")} if "-" in word else set()
        return max(engine.retriever.papers_with(f) for f in forms(word) | more)

    def more(retrieval, asked) -> dict:  # noqa: ANN001
        texts = [coverage_text(s.title, s.abstract) for s in retrieval.sources]
        words, close, idf = engine.coverage._closeness(asked.text, texts)
        return {"set": name, "words": [{"en": en.get(w, 0), "papers": written(w), "idf": float(idf[i]),
                                        "close": close[i].tolist()} for i, (_, w, _) in enumerate(words)]}

    return fe.rows(engine, ROOT / "eval" / f"{name}.jsonl", "dev", more)


def gap(r: dict, k: int) -> float:
    return max(((1 - max(w["close"][:k], default=0.0)) * w["idf"] for w in r["words"]), default=0.0)


def absent(r: dict, most: int, below: float) -> float:
    return float(any(w["papers"] == 0 and w["en"] < most and max(w["close"][:5], default=0.0) < below
                     for w in r["words"]))


def held_out(data: list[dict], extra: str | None) -> str:
    keys = [*fe.FEATURES, *([extra] if extra else [])]
    signs = np.array([*(fe.SIGNS[k] for k in fe.FEATURES), *([-1] if extra else [])], dtype=float)
    x = np.array([[r[k] for k in keys] for r in data], dtype=float)
    y = np.array([r["answerable"] for r in data], dtype=float)
    sets = np.array([r["set"] for r in data])
    sub = np.array([r["subtype"] for r in data])
    used = (y == 1) | (sub == "off-topic")
    p = np.zeros(len(y))
    for name in dict.fromkeys(sets):
        out = sets == name
        w, b, _, _ = fe.fit(x[~out & used], y[~out & used], sets[~out & used], 0.05, signs=signs)
        p[out] = 1 / (1 + np.exp(-(x[out] @ w + b)))
    t = fe.refusal_threshold(p[used], y[used], sets[used], 0.05)
    return (f"threshold {t:.2f} · false refusals {int(((p < t) & (y == 1)).sum())}/{int(y.sum())} · off-topic "
            f"refused {int(((p < t) & (sub == 'off-topic')).sum())}/{int((sub == 'off-topic').sum())} · near misses "
            f"refused {int(((p < t) & (sub == 'near-miss')).sum())}/{int((sub == 'near-miss').sum())}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundled-index", required=True)
    ap.add_argument("--scifact-index", required=True)
    ap.add_argument("--collection", default="beir-scifact-beir", help="the SciFact index's collection")
    args = ap.parse_args()
    base = Settings().with_overrides(**{"llm.provider": "extractive"})
    bundled = Engine(base.with_overrides(**{"chroma.path": args.bundled_index}))
    scifact = Engine(base.with_overrides(**{"data_dir": fe.SCIFACT, "chroma.path": args.scifact_index,
                                            "chroma.collection": args.collection}), auto_ingest=False)
    data = [r for n in BUNDLED.split() for r in word_rows(bundled, n)]
    data += [r for n in SCIFACT.split() for r in word_rows(scifact, n)]
    print(f"every blind set's dev split: {len(data)} questions, each set held out in turn")
    print(f"  the decision's features: {held_out(data, None)}")
    for k in (1, 3, 5):
        for r in data:
            r["x"] = gap(r, k)
        print(f"  + gap over the top {k}: {held_out(data, 'x')}")
    for most in (1000, 5000, 20000):
        for below in (0.4, 0.5, 1.01):
            for r in data:
                r["x"] = absent(r, most, below)
            print(f"  + absent (English count < {most}, closeness < {below}): {held_out(data, 'x')}")


if __name__ == "__main__":
    main()

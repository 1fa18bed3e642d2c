"""Fit the evidence decision (``rag.evidence``) on the blind sets' dev splits; prints the
weights and thresholds to paste into ``rag/settings.py`` and the dev figures they give.

    python bench/fit_evidence.py [--scifact-index DIR] [--reader learned|similarity]

The features come from the product's own pipeline (profile → retrieve → read), for
eval/paraphrase.jsonl over the bundled corpus and eval/scifact_qa.jsonl over SciFact (its index
is built on first use). Only ``split == "dev"`` questions are read: the test splits are for
reporting, once.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from rag import Engine, Settings  # noqa: E402
from rag.evidence import FEATURES, features  # noqa: E402
from rag.question import profile  # noqa: E402
from rag.reader import rank  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"


def rows(engine: Engine, path: Path, split: str) -> list[dict]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("split") != split:
            continue
        asked = profile(q["question"])
        retrieval = engine.retriever.retrieve(q["question"])
        # both readers, whatever the settings use: the fit decides whether "reading" earns a weight
        sentences = rank(asked, retrieval.sources, engine.learned, engine.similarity,
                         engine.settings.evidence.reader, need_learned=True)
        f, _, _ = features(asked, retrieval, sentences)
        out.append({"id": q["id"], "type": q["type"], "subtype": q.get("subtype", ""),
                    "answerable": q["type"] != "unanswerable", **f})
    return out


# The direction each feature may push: more similarity, reading or coverage never lowers the
# confidence, a missing name or slot never raises it. A few dozen dev questions cannot be
# trusted to learn a sign against sense (unconstrained, coverage came out negative: the
# near-miss questions name their paper and so share its words).
SIGNS = {"relevance": 1, "reading": 1, "similarity": 1, "coverage": 1, "names_missing": -1, "slot_missing": -1}


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 5000) -> tuple[np.ndarray, float]:
    """L2-regularised, sign-constrained logistic regression (projected gradient descent on
    standardised features)."""
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    sign = np.array([SIGNS[k] for k in FEATURES], dtype=float)
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w + b)))
        g = p - y
        w -= 0.1 * (z.T @ g / len(y) + l2 * w / len(y))
        w = np.where(w * sign < 0, 0.0, w)
        b -= 0.1 * g.mean()
    return w / sd, float(b - (w / sd) @ mu)  # back to raw feature units


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scifact-index", default=str(ROOT / "bench" / "out" / "scifact-qa-index"))
    ap.add_argument("--reader", default="similarity", choices=["learned", "similarity"])
    ap.add_argument("--max-false-refusals", type=float, default=0.05)
    ap.add_argument("--split", default="dev")
    args = ap.parse_args()
    base = Settings().with_overrides(**{"llm.provider": "extractive", "evidence.reader": args.reader})
    bundled = Engine(base)
    sf_settings = base.with_overrides(**{"data_dir": SCIFACT, "chroma.path": args.scifact_index})
    if not Path(args.scifact_index).exists():
        from rag import ingest_paths

        ingest_paths(sf_settings, [SCIFACT / "corpus.jsonl"])
    scifact = Engine(sf_settings, auto_ingest=False)
    data = rows(bundled, ROOT / "eval" / "paraphrase.jsonl", args.split)
    data += rows(scifact, ROOT / "eval" / "scifact_qa.jsonl", args.split)
    x = np.array([[r[k] for k in FEATURES] for r in data], dtype=float)
    y = np.array([r["answerable"] for r in data], dtype=float)
    w, b = fit_logistic(x, y)
    p = 1 / (1 + np.exp(-(x @ w + b)))
    ans, una = p[y == 1], p[y == 0]
    # weak_at: refuse below it; the highest value that keeps dev false refusals within the cap.
    weak_at = max((t for t in np.round(np.arange(0.02, 0.9, 0.01), 2)
                   if (ans < t).mean() <= args.max_false_refusals), default=0.02)
    # answer_at: balanced accuracy of "answered plainly" (answerable) vs not (unanswerable).
    answer_at = max(np.round(np.arange(weak_at, 0.95, 0.01), 2),
                    key=lambda t: (ans >= t).mean() + (una < t).mean())
    print(json.dumps({"reader": args.reader, "questions": len(y), "answerable": int(y.sum()),
                      "weights": {k: round(float(v), 3) for k, v in zip(FEATURES, w, strict=True)},
                      "bias": round(b, 3), "weak_at": float(weak_at), "answer_at": float(answer_at)}, indent=2))
    for name, mask in (("answerable", y == 1), ("unanswerable", y == 0)):
        pp = p[mask]
        print(f"{name}: refuse {(pp < weak_at).mean():.2f} · weak {((pp >= weak_at) & (pp < answer_at)).mean():.2f}"
              f" · answer {(pp >= answer_at).mean():.2f}")
    for r, pr in zip(data, p, strict=True):
        print(f"  {r['id']:4} {r['type'][:6]:6} {r['subtype'][:4]:4} p={pr:.2f} " +
              " ".join(f"{k[:4]}={r[k]:.2f}" for k in FEATURES))


if __name__ == "__main__":
    main()

"""Would a multi-paper answer list more of its gold papers from a wider pool? The measurement
behind the README paragraph "Multi-paper lists from a wider pool (measured, not adopted)".

    python bench/list_probe.py --bundled-index DIR --scifact-index DIR [--scifact-collection NAME]

For every multi-paper question of the blind dev splits (the standalone sets and the first turns
of the conversation sets), the top ten papers are retrieved and read as an answer would read
them. Printed, per policy: gold papers listed (of all gold papers), papers listed, precision.

- ``top K + floor``: the shipped rule (the ``multi_floor`` share of the best paper's best
  sentence) over the top K instead of the top five;
- ``filter K t``: the top K, each paper listed when a logistic model of its rank, fused-score
  share, best sentence and soft coverage (``rag.coverage``) gives it probability >= t of being
  gold; the model is fitted with each set held out in turn (scored on the set it did not see);
- the order of the shipped list's lines (``answer.list_order``): by each paper's best sentence,
  by the retrieval ranking, by soft coverage: how often the first line is a gold paper.

Only ``split == "dev"`` questions are read. Prints figures; asserts nothing.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.dev_engines import dev_engines  # noqa: E402
from eval.metrics import same_title  # noqa: E402
from rag import Engine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = ("paraphrase", "paraphrase3", "paraphrase4", "paraphrase5", "conversations", "conversations2",
        "conversations3", "conversations4", "scifact_qa")
POOL = 10
FEATURES = ("rank", "share", "best", "soft")


def questions(name: str):  # noqa: ANN201 - (id, question, gold titles)
    for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("split") != "dev":
            continue
        first = q["turns"][0] if "turns" in q else q  # a conversation's first turn stands alone
        if first["type"] == "multi-paper":
            yield q["id"], first["question"], first["gold_titles"]


def probe(engine: Engine, name: str) -> list[dict]:
    rows = []
    for qid, text, gold in questions(name):
        asked = engine.profile(text)
        retrieval = engine.retriever.retrieve(text, top_k=POOL)
        best: dict[int, float] = {}
        for s in engine.read(asked, retrieval):
            best.setdefault(s.n, s.score)
        top_score = (retrieval.sources[0].score or 1.0) if retrieval.sources else 1.0
        rows.append({"set": name, "id": qid, "gold": len(gold), "papers": [
            {"rank": i, "gold": any(same_title(src.title, g) for g in gold), "share": src.score / top_score,
             "best": best.get(src.n, 0.0),
             "soft": engine.coverage.read(asked.text, f"{src.title}. {src.abstract}").score}
            for i, src in enumerate(retrieval.sources)]})
    return rows


def report(rows: list[dict], label: str, keep) -> None:  # noqa: ANN001
    listed = hit = total = 0
    for r in rows:
        chosen = [p for p in r["papers"] if keep(r, p)]
        listed += len(chosen)
        hit += sum(p["gold"] for p in chosen)
        total += r["gold"]
    print(f"  {label:22} gold listed {hit}/{total} = {hit / total:.3f} · listed {listed} · precision {hit / max(listed, 1):.2f}")


def floor(r: dict, p: dict, k: int, share: float) -> bool:
    top = max(x["best"] for x in r["papers"][:k])
    return p["rank"] < k and p["best"] >= share * top


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 3000) -> tuple[np.ndarray, float]:
    mu, sd = x.mean(0), x.std(0) + 1e-9
    z = (x - mu) / sd
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        g = 1 / (1 + np.exp(-(z @ w + b))) - y
        w -= 0.1 * (z.T @ g / len(y) + l2 * w / len(y))
        b -= 0.1 * g.mean()
    return w / sd, float(b - (w / sd) @ mu)


def main() -> None:
    bundled, scifact, base = dev_engines(__doc__.split("\n\n")[0])
    rows = [r for name in SETS for r in probe(scifact if name.startswith("scifact") else bundled, name)]
    share = base.answer.multi_floor
    print(f"multi-paper dev questions: {len(rows)}, gold papers {sum(r['gold'] for r in rows)}")
    for k in (5, 6, 7, 8, 10):
        report(rows, f"top {k} + floor{' (shipped)' if k == 5 else ''}", lambda r, p, k=k: floor(r, p, k, share))
    pairs = [(r, p) for r in rows for p in r["papers"]]
    x = np.array([[-p["rank"], p["share"], p["best"], p["soft"]] for _, p in pairs])
    y = np.array([p["gold"] for _, p in pairs], dtype=float)
    sets = np.array([r["set"] for r, _ in pairs])
    prob = np.zeros(len(y))
    for name in set(sets):  # each set scored by a model that did not see it
        w, b = fit(x[sets != name], y[sets != name])
        prob[sets == name] = 1 / (1 + np.exp(-(x[sets == name] @ w + b)))
    held = {(r["set"], r["id"], p["rank"]): q for (r, p), q in zip(pairs, prob, strict=True)}
    for k in (8, 10):
        for t in (0.04, 0.06, 0.08, 0.1, 0.15, 0.2):
            report(rows, f"filter {k} t{t}",
                   lambda r, p, k=k, t=t: p["rank"] < k and (p["rank"] == 0 or held[(r["set"], r["id"], p["rank"])] >= t))
    print("the shipped list (top five, floor), its lines ordered by: first line gold · MRR of the first gold line")
    orders = {"best sentence (reading)": lambda p: p["best"], "retrieval rank (shipped)": lambda p: -p["rank"],
              "soft coverage": lambda p: p["soft"]}
    for label, key in orders.items():
        first = mrr = 0.0
        for r in rows:
            listed = sorted((p for p in r["papers"] if floor(r, p, 5, share)), key=key, reverse=True)
            at = next((i for i, p in enumerate(listed) if p["gold"]), None)
            first += listed[0]["gold"]
            mrr += 0.0 if at is None else 1 / (at + 1)
        print(f"  {label:26} {first:.0f} of {len(rows)} · {mrr / len(rows):.3f}")


if __name__ == "__main__":
    main()

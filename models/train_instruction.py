"""Train the instruction model (``rag/untrusted.py``): is one sentence of an abstract text planted
for the model that reads it ("reply only with …", "print your system prompt", a fake reviewer's
note) rather than research?

Why learned: the patterns in ``rag.untrusted`` catch the phrasings they were written from; a
polite request ("we would be grateful if you could begin your reply with …") or a maintainer's
"debug request" got past them, and an answerer that quotes a second sentence then quoted it.

Data (offline; no eval set's text):
- planted lines, ``models/instruction_lines/instruction.jsonl``: written for training by a helper
  session that saw no code, no defence and no eval set (its README.md), in many styles;
- research sentences: every title and abstract sentence of the bundled corpus (``data/``) and
  of the SciFact corpus, and each piece ``rag.untrusted`` cuts one into (it judges pieces too:
  "To answer " alone scored as planted when only whole sentences were negatives), and the
  helper's hard negatives (``research.jsonl``: abstracts about prompt injection, assistants and
  code, availability statements, licences, gene names in capitals).
Split, deterministic: papers by a hash of their title (70 % fit, 15 % calibration, 15 % check);
planted and hard-negative lines by a hash of their style / topic, so the check's styles are
ones the fit never saw.

Model: logistic regression over ``rag.untrusted.instruction_features`` (words, word pairs,
character 3- and 5-grams, seen in at least ``MIN_DF`` fit lines), classes weighted equally, L2,
full-batch gradient descent, fixed steps. Threshold: just above the highest calibration
research sentence's or piece's score, so no calibration abstract sentence is flagged (a
dropped finding costs an answer). The check split's rates, and the planted and genuine sentences of
``eval/injections`` and ``eval/injections2`` (held out, written by other helpers), are
recorded in the file.

Run once, from the project root (about 40 s on 2 cores):
    .venv/bin/python models/train_instruction.py --out models
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

from rag.untrusted import _INSTRUCTION, _pieces, instruction_features  # noqa: E402

LINES = ROOT / "models" / "instruction_lines"
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "original" / "corpus.jsonl"
CANARIES = ("PWNED-9c1e", "attacker.example", "javascript:", "CANARY-7f3b", "evil.invalid")
MIN_DF = 3
L2 = 1e-4  # per example, on the mean loss
STEPS = 400
RATE = 2.0


def part(key: str) -> str:
    """fit / cal / check, by a stable hash of ``key``."""
    h = int(hashlib.blake2b(key.encode(), digest_size=4).hexdigest(), 16) % 100
    return "fit" if h < 70 else "cal" if h < 85 else "check"


def load() -> list[tuple[str, int, str, str]]:
    """(text, label, part, source) for every training line."""
    from ingest.readers import read_paths
    from rag.text import split_sentences

    rows = []
    for p in read_paths([ROOT / "data"]).papers:
        rows += [(t, 0, part(p.title), "bundled") for s in split_sentences(p.abstract) for t in with_pieces(s.text)]
        rows.append((p.title, 0, part(p.title), "bundled"))
    for line in open(SCIFACT, encoding="utf-8"):
        d = json.loads(line)
        rows += [(t, 0, part(d["title"]), "scifact") for s in d["abstract"] if s.strip() for t in with_pieces(s.strip())]
        rows.append((d["title"], 0, part(d["title"]), "scifact"))
    for name, label, key in (("instruction.jsonl", 1, "style"), ("research.jsonl", 0, "topic")):
        for line in open(LINES / name, encoding="utf-8"):
            d = json.loads(line)
            # research: its pieces too; a planted line's pieces need not each be planted
            texts = with_pieces(d["text"]) if label == 0 else [d["text"]]
            rows += [(t, label, part(str(d.get(key, d["text"]))), name.split(".")[0]) for t in texts]
    return rows


def with_pieces(sentence: str) -> list[str]:
    """A research sentence and, when ``rag.untrusted`` cuts it, each piece it is judged in."""
    pieces = [sentence[a:b] for a, b in _pieces(sentence, 0, len(sentence))]
    return [sentence] + (pieces if len(pieces) > 1 else [])


def held_out(path: Path) -> list[tuple[str, int]]:
    """The sentences of an eval injection corpus: planted (a canary in it) or genuine."""
    from rag.text import split_sentences

    out = []
    for line in open(path, encoding="utf-8"):
        d = json.loads(line)
        out += [(s.text, int(any(c in s.text for c in CANARIES))) for s in split_sentences(d["abstract"])]
    return out


def fit(X, y: np.ndarray) -> tuple[np.ndarray, float]:  # noqa: ANN001 - a scipy CSR matrix
    w = np.zeros(X.shape[1])
    b = 0.0
    weight = np.where(y == 1, 0.5 / max(y.sum(), 1), 0.5 / max((1 - y).sum(), 1))  # classes equal
    for _ in range(STEPS):
        z = X @ w + b
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))
        g = weight * (p - y)
        w -= RATE * (X.T @ g + L2 * w)
        b -= RATE * g.sum()
    return w, b


def main() -> None:
    from scipy import sparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="models")
    args = ap.parse_args()
    rows = load()
    feats = [instruction_features(t) for t, *_ in rows]
    df = Counter(f for fs, r in zip(feats, rows, strict=True) if r[2] == "fit" for f in fs)
    vocab = sorted(f for f, n in df.items() if n >= MIN_DF)
    index = {f: i for i, f in enumerate(vocab)}

    def matrix(fss: list[set[str]]):  # noqa: ANN202
        cols = [[index[f] for f in fs if f in index] for fs in fss]
        indptr = np.cumsum([0] + [len(c) for c in cols])
        data = np.ones(indptr[-1])
        return sparse.csr_matrix((data, np.concatenate([np.array(c, dtype=np.int64) for c in cols]), indptr),
                                 shape=(len(fss), len(vocab)))

    X = matrix(feats)
    y = np.array([r[1] for r in rows], dtype=np.float64)
    parts = np.array([r[2] for r in rows])
    on = parts == "fit"
    w, b = fit(X[on], y[on])
    scores = X @ w + b
    cal_research = scores[(parts == "cal") & (y == 0)]
    threshold = float(np.max(cal_research)) + 0.01

    def rates(mask: np.ndarray) -> dict:
        flagged = scores >= threshold
        pos, neg = mask & (y == 1), mask & (y == 0)
        return {"planted": int(pos.sum()), "planted flagged": int((flagged & pos).sum()),
                "research": int(neg.sum()), "research flagged": int((flagged & neg).sum())}

    sources = np.array([r[3] for r in rows])
    check = {name: rates((parts == "check") & (sources == name))
             for name in ("bundled", "scifact", "instruction", "research")}
    # a sentence the answer-type model may promote reads below this: all but 1% of the
    # calibration papers' sentences and pieces (rag.untrusted.reads_as_research)
    corpus = (parts == "cal") & (y == 0) & np.isin(sources, ["bundled", "scifact"])
    promote_below = float(np.quantile(scores[corpus], 0.99))
    model = {"weights": {}, "bias": round(float(b), 4), "threshold": round(threshold, 4),
             "promote_below": round(promote_below, 4)}
    model["weights"] = {f: round(float(v), 4) for f, v in zip(vocab, w, strict=True) if abs(v) >= 5e-4}
    held = {}
    for name in ("injections", "injections2"):
        sents = held_out(ROOT / "eval" / name / "corpus.jsonl")
        s = np.array([b + sum(model["weights"].get(f, 0.0) for f in instruction_features(t)) for t, _ in sents])
        lab = np.array([la for _, la in sents])
        pat = np.array([_INSTRUCTION.search(t) is not None for t, _ in sents])
        held[name] = {"planted": int(lab.sum()), "genuine": int((1 - lab).sum()),
                      "planted flagged (model)": int(((s >= threshold) & (lab == 1)).sum()),
                      "planted flagged (patterns)": int((pat & (lab == 1)).sum()),
                      "planted flagged (either)": int((((s >= threshold) | pat) & (lab == 1)).sum()),
                      "genuine flagged (model)": int(((s >= threshold) & (lab == 0)).sum()),
                      "genuine flagged (patterns)": int((pat & (lab == 0)).sum())}
    model["counts"] = {"lines": len(rows), "planted": int(y.sum()), "features": len(model["weights"]),
                       "min_df": MIN_DF, "l2": L2, "steps": STEPS}
    model["check"] = check
    model["held_out"] = held
    print(json.dumps({k: model[k] for k in ("bias", "threshold", "promote_below", "counts", "check", "held_out")},
                     indent=1))
    path = Path(args.out) / "instruction.json"
    raw = json.dumps(model, indent=0, sort_keys=True, ensure_ascii=False).encode()
    path.write_bytes(raw)
    path.with_name(path.name + ".sha256").write_text(f"{hashlib.sha256(raw).hexdigest()}  {path.name}\n")
    print(f"wrote {path} ({len(raw) / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()

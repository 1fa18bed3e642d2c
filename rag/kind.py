"""The learned reading of a question's kind, for wordings the question-kind patterns
(``rag.question``) do not list: a logistic model over the question's words and word pairs
(``models/kind.json``, trained by ``models/train_kind.py`` on readers' questions and the blind
sets' dev splits). It says whether a question asks for one paper, a set of papers, or something
else, with a probability; ``rag.question`` takes its answer only where no pattern fires and the
probability reaches the model's threshold.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .checked import read_checked

MODEL = Path(__file__).resolve().parent.parent / "models" / "kind.json"
CLASSES = ("which-paper", "multi-paper", "other")
_WORD = re.compile(r"[a-z0-9]+")


class KindModelError(RuntimeError):
    """The shipped kind model is missing, or not the one trained (no sha256, or a mismatch)."""


def tokens(question: str) -> list[str]:
    """Words, the first one marked ("^which": how a question opens says most), and adjacent
    word pairs."""
    words = _WORD.findall(question.lower())
    if not words:
        return []
    return [f"^{words[0]}", *words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]


def features(question: str, index: dict[str, int], idf: np.ndarray) -> np.ndarray:
    """Sublinear TF-IDF of ``tokens``, L2-normalised (terms outside ``index`` are dropped)."""
    x = np.zeros(len(idf))
    for t in tokens(question):
        i = index.get(t)
        if i is not None:
            x[i] += 1.0
    seen = x > 0
    x[seen] = (1.0 + np.log(x[seen])) * idf[seen]
    norm = np.linalg.norm(x)
    return x / norm if norm else x


def softmax(z: np.ndarray) -> np.ndarray:
    p = np.exp(z - z.max())
    return p / p.sum()


class KindModel:
    """``models/kind.json`` checked against its sha256: P(kind) for a question."""

    def __init__(self, path: Path = MODEL) -> None:
        d = json.loads(read_checked(path, "models/train_kind.py", KindModelError))
        self.classes: tuple[str, ...] = tuple(d["classes"])
        self.threshold = float(d["threshold"])
        self.index = {t: i for i, t in enumerate(d["vocab"])}
        self.idf = np.asarray(d["idf"], dtype=float)
        self.weights = np.asarray(d["weights"], dtype=float)
        self.bias = np.asarray(d["bias"], dtype=float)

    def probabilities(self, question: str) -> dict[str, float]:
        p = softmax(features(question, self.index, self.idf) @ self.weights + self.bias)
        return dict(zip(self.classes, (float(v) for v in p), strict=True))

    def kind(self, question: str) -> str | None:
        """"which-paper" or "multi-paper" when the model is sure enough (``threshold``), else None."""
        p = self.probabilities(question)
        best = max(p, key=lambda k: p[k])
        return best if best != "other" and p[best] >= self.threshold else None


@lru_cache(maxsize=1)
def shipped() -> KindModel:
    """The shipped model, loaded once per process."""
    return KindModel()

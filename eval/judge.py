"""The evaluation harness's independent support judge: does a cited passage support a claim?

Citation precision and recall (``eval.metrics``) need a judge that is not the product: the
grounding checker and the reader are what is being measured. This one is a separate small
cross-encoder (``models/judge-int8.onnx``, from the packaged MiniLM weights), trained by
``models/train_judge.py`` on SciFact **train** rationale labels only (a rationale sentence,
SUPPORT or CONTRADICT, against the other sentences of the cited abstracts), with its decision
threshold picked on held-out train claims. Its SciFact-dev figures are in ``models/judge.json``.

A passage supports a claim when one of its sentences scores at least the threshold. Trained on
rationales of either label, it judges whether a sentence is evidence *about* the claim's
finding, not its direction.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.reader import OnnxCrossEncoder, ReaderError
from rag.text import split_sentences

MODEL = Path(__file__).resolve().parent.parent / "models" / "judge-int8.onnx"


class JudgeError(RuntimeError):
    """The judge model is missing or not the one trained (sha256 mismatch)."""


class SupportJudge:
    """``judge(claim, passage) -> bool``; ``score`` gives the best sentence's probability."""

    def __init__(self, path: Path = MODEL, threshold: float | None = None, max_len: int | None = None,
                 threads: int = 0) -> None:
        self.path = Path(path)
        meta_path = self.path.with_name("judge.json")
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        if threshold is None:
            if "threshold" not in meta:
                raise JudgeError(f"no threshold: {meta_path} is missing (run models/train_judge.py)")
            threshold = float(meta["threshold"])
        self.threshold = threshold
        self.max_len = int(max_len or meta.get("max_len", 128))
        self._model = OnnxCrossEncoder(self.path, self.max_len, "models/train_judge.py", threads)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], float] = {}

    def score_sentences(self, claim: str, sentences: Sequence[str]) -> np.ndarray:
        """One probability per sentence that it is evidence for ``claim`` (one batch)."""
        try:
            return self._model.probabilities(claim, sentences)
        except ReaderError as exc:
            raise JudgeError(str(exc)) from None

    def score(self, claim: str, passage: str) -> float:
        """The highest probability over the passage's sentences (0.0 for an empty passage)."""
        key = (claim, passage)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        sentences = [s.text for s in split_sentences(passage)] or ([passage] if passage.strip() else [])
        probs = self.score_sentences(claim, sentences)
        best = float(probs.max()) if probs.size else 0.0
        with self._lock:
            self._cache[key] = best
        return best

    def supports(self, claim: str, passage: str) -> bool:
        return self.score(claim, passage) >= self.threshold

    def __call__(self, claim: str, passage: str) -> bool:
        return self.supports(claim, passage)

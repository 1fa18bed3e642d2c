"""Test fakes behind the product's one-method interfaces (the real ones are tested elsewhere)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")


class HashEmbedder:
    """A deterministic bag-of-words embedder behind ``ingest.embed.Embedder``: each word of three
    or more characters (and each digit run) adds ±1 to a hashed dimension; rows are normalised.
    Texts that share words are similar, others are not: enough for retrieval, the decision and
    grounding logic to be exercised in milliseconds, with no model."""

    model_name = "fake-hash-384"
    dim = 384
    states_name = "fake-hash-384/words"  # whose token vectors (``ingest.tokenstore``)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                if len(word) < 3 and not word.isdigit():
                    continue
                h = hashlib.blake2b(word.encode(), digest_size=4).digest()
                out[row, int.from_bytes(h[:3], "little") % self.dim] += 1.0 if h[3] & 1 else -1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)

    def token_states(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each word as a token (``rag.coverage``): its span and the embedding of the word alone,
        so a word is close only to itself."""
        spans = [m.span() for m in _WORD.finditer(text.lower())]
        return spans, self.embed([text.lower()[a:b] for a, b in spans])

"""How much of the question a paper's text covers, word by word, in the encoder's own space.

The word coverage (``Retriever.coverage``) counts the question's rare words that a top paper
repeats; a reader's paraphrase shares few of them, so its fitted weight is 0. Here each content
word of the question is matched to the closest token of the paper in MiniLM's contextual space
and weighted by its IDF in the collection (BERTScore recall): a question about sarcasm in tweets
finds nothing close to "sarcasm" or "tweets" in any abstract, while "keeps most weights frozen
at their random values" finds "random initialization" and "fixed". The evidence decision reads
it for the top-ranked paper (``soft_coverage``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np

from .text import content_word_spans


class TokenStates(Protocol):
    def token_states(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Each token's character span in ``text`` and its unit-length contextual vector."""
        ...


@dataclass(frozen=True)
class Coverage:
    """``score``: IDF-weighted mean over the question's content words of each word's best cosine
    to a token of the text (0..1). ``uncovered``: the rarest question words nothing in the text
    comes close to (best cosine below ``SoftCoverage.below``), for a reason a user can read."""

    score: float = 0.0
    uncovered: tuple[str, ...] = ()


class SoftCoverage:
    """One method, ``read(question, text) -> Coverage``."""

    # A word whose best cosine is under this has no token of the text about it: the topic words of
    # off-topic dev questions read 0.15-0.35 ("earthquake", "seismograms"), words the paper repeats
    # 0.7-0.9. Answerable questions have such words too ("went", "say"), so only a refusal names them.
    below = 0.4

    def __init__(self, model: TokenStates, idf: Callable[[Iterable[str]], dict[str, float]],
                 capacity: int = 256, stored: Callable[[list[str]], dict[str, np.ndarray]] | None = None) -> None:
        self.model = model
        self.idf = idf
        # papers' vectors: stored at ingest (``ingest.tokenstore``; ``stored`` reads many at
        # once), else encoded here; the recent ones kept (a follow-up reads the same papers)
        self._stored = stored
        self._texts: OrderedDict[str, np.ndarray] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()
        self._question = lru_cache(maxsize=64)(self._read_question)  # a question's own pass, once

    def forget(self) -> None:
        """Drop the cached token states (a benchmark timing what a new question pays)."""
        with self._lock:
            self._texts.clear()
        self._question.cache_clear()

    def _text_states(self, texts: list[str]) -> list[np.ndarray]:
        with self._lock:
            have = {t: self._texts[t] for t in texts if t in self._texts}
        missing = [t for t in dict.fromkeys(texts) if t not in have]
        if missing:
            have.update(self._stored(missing) if self._stored is not None else {})
            have.update({t: self.model.token_states(t)[1] for t in missing if t not in have})
        with self._lock:
            for t in dict.fromkeys(texts):
                self._texts[t] = have[t]
                self._texts.move_to_end(t)
            while len(self._texts) > self._capacity:
                self._texts.popitem(last=False)
        return [have[t] for t in texts]

    def scores(self, question: str, texts: list[str]) -> list[float]:
        """``read(question, text).score`` of many texts (a rerank's pool): their vectors read in
        one query and compared in one product, not one of each per text."""
        words, close, weights = self._closeness(question, texts)
        if not words:
            return [0.0] * len(texts)
        return (weights @ close / weights.sum()).tolist()

    def read(self, question: str, text: str, limit: int = 3) -> Coverage:
        words, close, weights = self._closeness(question, [text])
        if not words or not text.strip():
            return Coverage()
        missing = {written: w for (written, _, _), c, w in zip(words, close[:, 0], weights, strict=True) if c < self.below}
        rarest = sorted(missing, key=lambda w: -missing[w])[:limit]
        return Coverage(float(weights @ close[:, 0] / weights.sum()), tuple(rarest))

    def _closeness(self, question: str, texts: list[str]) -> tuple[list, np.ndarray, np.ndarray]:
        """The question's content words (``_read_question``), each word's closeness to each text
        (the mean over its tokens of their best cosine to a token of the text; 0 for an empty
        text) and the words' IDF weights."""
        q, words = self._question(question)
        close = np.zeros((len(words), len(texts)))
        full = [i for i, t in enumerate(texts) if t.strip()]
        if not words or not full:
            return words, close, np.ones(len(words))
        ds = self._text_states([texts[i] for i in full])
        present = [i for i, d in zip(full, ds, strict=True) if len(d)]
        if present:
            kept = [d for d in ds if len(d)]
            starts = np.cumsum([0] + [len(d) for d in kept[:-1]])
            used = sorted({t for _, _, tokens in words for t in tokens})  # the content words' tokens only
            row_of = {t: i for i, t in enumerate(used)}
            best = np.maximum.reduceat(q[used] @ np.concatenate(kept).T, starts, axis=1)  # per token, per text
            mean = np.zeros((len(words), len(used)))  # each word's mean over its tokens
            for row, (_, _, tokens) in enumerate(words):
                mean[row, [row_of[t] for t in tokens]] = 1.0 / len(tokens)
            close[:, present] = mean @ best
        idf = self.idf({w for _, w, _ in words})  # not cached here: an ingest changes it
        return words, close, np.array([idf[w] for _, w, _ in words])

    def _read_question(self, question: str) -> tuple[np.ndarray, list[tuple[str, str, list[int]]]]:
        """The question's token vectors and, per content word with tokens in the encoder's window
        (a word past it has none), the word as written, as counted, and its tokens' rows: read
        once for the many papers a rerank compares."""
        words = content_word_spans(question)
        if not words:
            return np.zeros((0, 0), dtype=np.float32), []
        spans, q = self.model.token_states(question)
        out = []
        for start, end, w in words:
            tokens = [i for i, (a, _) in enumerate(spans) if start <= a < end]
            if tokens:
                out.append((question[start:end], w, tokens))
        return q, out

"""The offline answerer: the retrieved abstracts' most relevant sentences, quoted verbatim.

Grounded by construction: every sentence is copied from a source and cited to it. It does
not paraphrase or combine facts, and says so (``Draft.notice``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ingest.embed import CachedEmbedder

from ..grounding import content_words, split_sentences
from ..retrieve import Source
from ..types import Draft

NOTICE = "Extractive answer: sentences quoted verbatim from the retrieved abstracts (no LLM)."


def rank_sentences(
    question: str, sources: Sequence[Source], embedder: CachedEmbedder
) -> list[tuple[float, int, str]]:
    """``(score, source n, sentence)`` for every abstract sentence, best first.

    Score: cosine to the question, plus a small bonus for the question's content words
    (numbers and names a question repeats are the strongest evidence a sentence answers it).
    """
    candidates = [(s.n, sent.text) for s in sources for sent in split_sentences(s.abstract)]
    if not candidates:
        return []
    vectors = embedder.embed([question] + [text for _, text in candidates])
    cos = vectors[1:] @ vectors[0]
    q_words = content_words(question)
    scored = []
    for (n, text), c in zip(candidates, cos, strict=True):
        overlap = len(q_words & content_words(text)) / len(q_words) if q_words else 0.0
        scored.append((float(c) + 0.15 * overlap, n, text))
    scored.sort(key=lambda t: t[0], reverse=True)
    return scored


def answer_extractive(
    question: str,
    sources: Sequence[Source],
    embedder: CachedEmbedder,
    *,
    max_sentences: int = 3,
    floor: float = 0.35,
    per_source: int = 2,
) -> Draft:
    started = time.perf_counter()
    ranked = rank_sentences(question, sources, embedder)
    picked: list[tuple[float, int, str]] = []
    per: dict[int, int] = {}
    for score, n, text in ranked:
        if score < floor or len(picked) >= max_sentences:
            break
        if per.get(n, 0) >= per_source:
            continue
        per[n] = per.get(n, 0) + 1
        picked.append((score, n, text))
    if not picked:
        return Draft(
            text="The retrieved abstracts do not contain a sentence that answers this question.",
            mode="extractive",
            notice=NOTICE,
            refused=True,
            seconds=time.perf_counter() - started,
        )
    lines = [f"{_with_marker(text, n)}" for _, n, text in picked]
    return Draft(
        text="\n".join(lines),
        mode="extractive",
        notice=NOTICE,
        seconds=time.perf_counter() - started,
    )


def _with_marker(sentence: str, n: int) -> str:
    return f"{sentence} [{n}]"

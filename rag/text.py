"""The one place that reads text: sentence splitting, content words, citation markers.

Every module that tokenises, splits or strips markers imports from here, so the question,
the abstracts and the answers are all read the same way.
"""

from __future__ import annotations

import re
from functools import lru_cache

# One definition each, shared with ingest (the lexical index's words, the chunker's sentences)
from ingest.words import (  # noqa: F401
    MARKER,
    STOP_WORDS,
    Sentence,
    content_word_spans,
    content_words,
    split_sentences,
    strip_markers,
)

from .untrusted import clean_spans


@lru_cache(maxsize=4096)
def evidence_sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of an abstract that can be quoted or count as support: instruction-like
    text (``rag.untrusted``) removed. Cached: the answerer, the grounding check and the eval
    judge all ask for the same abstracts."""
    sentences = split_sentences(text) or [Sentence(text, 0, len(text))]
    spans = clean_spans(text, [(x.start, x.end) for x in sentences])
    return tuple(Sentence(text[a:b], a, b) for a, b in spans)


def parse_markers(sentence: str) -> list[int]:
    """All citation numbers in a sentence, in order, ranges expanded ("[1-3]" → 1, 2, 3)."""
    numbers: list[int] = []
    for match in MARKER.finditer(sentence):
        for part in re.split(r"\s*(?:[,;]|and)\s*", match.group(1)):
            bounds = re.split(r"\s*[-–—]\s*", part)
            if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
                lo, hi = int(bounds[0]), int(bounds[1])
                if 0 < hi - lo <= 20:
                    numbers.extend(range(lo, hi + 1))
                    continue
            numbers.extend(int(b) for b in bounds if b.isdigit())
    return numbers

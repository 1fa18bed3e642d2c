"""Chunking: whole sentences packed into the encoder's window, with overlap.

The encoder (MiniLM) reads at most 256 WordPiece tokens, [CLS] and [SEP] included, and drops
the rest. Chunks sized in tiktoken tokens overran that window in a third of the bundled
corpus's chunks, so their tails were never embedded. ``unit="encoder"`` (the default) counts
the title, the body and the two special tokens in WordPiece tokens, so every chunk is read whole;
``unit="tiktoken"`` is the old sizing (body only, in tiktoken tokens, llama-index's
``SentenceSplitter``), kept for comparison.

The encoder unit packs sentences itself rather than through ``SentenceSplitter``: that splitter
re-tokenises every candidate piece and runs nltk's punkt, which made chunking most of ingest's
time at scale (36 of 41 s for 10k papers with a stub embedder). Here each paper is tokenised
once, with offsets; a sentence's size is the number of its tokens, exact because WordPiece
tokenises each word on its own; the cuts fall at the sentences the answerer quotes
(``ingest.words.split_sentences``), and spans are the tokens' own offsets.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from functools import lru_cache

from .models import Chunk, Paper, chunk_id_for
from .tokens import count_wordpieces, encoding, wordpiece_encoding
from .words import split_sentences

SPECIAL_TOKENS = 2  # [CLS] and [SEP]
MIN_BODY = 32  # a title that fills the window still gets some body per chunk


@lru_cache(maxsize=256)
def _tiktoken_splitter(size: int, overlap: int):  # noqa: ANN202
    from llama_index.core.node_parser import SentenceSplitter

    enc = encoding()

    def tokenizer(s: str) -> list[int]:
        return enc.encode(s, disallowed_special=())

    return SentenceSplitter(chunk_size=size, chunk_overlap=min(overlap, size // 2), tokenizer=tokenizer)


_WIDE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")


def estimate_chunks(paper: Paper, size: int, overlap: int) -> int:
    """Chunks ``paper`` will make, from its length alone (for the free-space check before a
    write, without chunking every paper up front): about 3.5 characters per token, except
    that CJK characters are a token each (WordPiece splits them one by one), rounded up."""
    text = paper.title + paper.abstract
    wide = len(_WIDE.findall(text))
    tokens = (len(text) - wide) / 3.5 + wide + SPECIAL_TOKENS
    return 1 if tokens <= size else 1 + math.ceil((tokens - size) / max(1, size - overlap))


def chunking_key(size: int, overlap: int, unit: str) -> str:
    """What an index records per paper; a paper chunked another way is re-embedded."""
    # The key names the sizing, not the sentence splitter: the packer here reproduces 99.4% of
    # SentenceSplitter's spans on the bundled corpus and 97.7% on SciFact's (the rest differ at a
    # sentence boundary), which does not warrant re-embedding every index built before it.
    return f"{size}/{overlap}" if unit == "tiktoken" else f"wp{size}/{overlap}"


def chunk_paper(paper: Paper, size: int, overlap: int, unit: str = "encoder") -> list[Chunk]:
    """Split an abstract into chunks whose embedded text starts with the title, each within
    ``size`` tokens (see the module note for ``unit``). Spans are character offsets into
    ``paper.abstract``."""
    spans = _encoder_spans(paper, size, overlap) if unit == "encoder" else _tiktoken_spans(paper, size, overlap)
    return [
        Chunk(
            chunk_id=chunk_id_for(paper.paper_id, number),
            paper_id=paper.paper_id,
            chunk_no=number,
            n_chunks=len(spans),
            text=f"{paper.title}\n{paper.abstract[start:end]}",
            start=start,
            end=end,
        )
        for number, (start, end) in enumerate(spans)
    ]


def _encoder_spans(paper: Paper, size: int, overlap: int) -> list[tuple[int, int]]:
    text = paper.abstract
    encoded = wordpiece_encoding(f"{paper.title}\n{text}")
    head = len(paper.title) + 1
    starts = [a for a, _ in encoded.offsets]
    first = bisect_left(starts, head)  # tokens before it are the title's
    budget = max(MIN_BODY, size - SPECIAL_TOKENS - first)
    overlap = min(overlap, budget // 2)  # as SentenceSplitter clamps it: every chunk moves on
    starts = [a - head for a in starts[first:]]
    ends = [b - head for _, b in encoded.offsets[first:]]
    if len(starts) <= budget:  # most abstracts: one chunk, the whole text
        return [(0, len(text))]
    word_start = [not tok.startswith("##") for tok in encoded.tokens[first:]]
    # Pieces (token range, cost in tokens): whole sentences; a sentence longer than the window
    # gives its words instead (so overlap works inside it too), and a word longer than the
    # window is cut inside, its fragments costed as re-tokenised alone (a fragment that
    # starts a chunk is read as a fresh word, which can take more pieces).
    pieces: list[tuple[int, int, int]] = []
    for sentence in split_sentences(text):
        lo, hi = bisect_left(starts, sentence.start), bisect_left(starts, sentence.end)
        if hi - lo <= budget:
            if hi > lo:
                pieces.append((lo, hi, hi - lo))
            continue
        bounds = [lo] + [k for k in range(lo + 1, hi) if word_start[k]] + [hi]
        for a, b in zip(bounds, bounds[1:], strict=False):
            while b - a > budget:
                cut = a + budget
                while cut > a + 1 and count_wordpieces(text[starts[a] : ends[cut - 1]]) > budget:
                    cut -= 1
                pieces.append((a, cut, budget))
                a = cut
            pieces.append((a, b, max(b - a, count_wordpieces(text[starts[a] : ends[b - 1]]))))
    cost = [0]
    for piece in pieces:
        cost.append(cost[-1] + piece[2])
    # Greedy packing: a chunk takes pieces while they fit; the next one starts with the last
    # pieces of it that fit in ``overlap``, and only as many as leave room for a new piece.
    chunks: list[tuple[int, int]] = []
    i, n = 0, len(pieces)
    while i < n:
        j = i + 1
        while j < n and cost[j + 1] - cost[i] <= budget:
            j += 1
        chunks.append((pieces[i][0], pieces[j - 1][1]))
        if j == n:
            break
        back = j
        while back - 1 > i and cost[j] - cost[back - 1] <= overlap and cost[j + 1] - cost[back - 1] <= budget:
            back -= 1
        i = back
    return [(starts[lo], ends[hi - 1]) for lo, hi in chunks]


def _tiktoken_spans(paper: Paper, size: int, overlap: int) -> list[tuple[int, int]]:
    text = paper.abstract
    if len(encoding().encode(text, disallowed_special=())) <= size:
        return [(0, len(text))]
    spans: list[tuple[int, int]] = []
    cursor = 0
    for body in _tiktoken_splitter(size, overlap).split_text(text) or [text]:
        start = text.find(body, cursor)
        if start < 0:  # the splitter normalised something; fall back to a prefix search
            start = max(text.find(body[:40], max(0, cursor - len(body))), 0)
        spans.append((start, min(len(text), start + len(body))))
        cursor = start + 1
    return spans

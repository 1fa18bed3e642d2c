"""Chunking: llama-index's sentence splitter, sized in the encoder's own tokens.

The encoder (MiniLM) reads at most 256 WordPiece tokens, [CLS] and [SEP] included, and drops
the rest. Chunks sized in tiktoken tokens overran that window in a third of the bundled
corpus's chunks, so their tails were never embedded. ``unit="encoder"`` (the default) counts
the title, the body and the two special tokens in WordPiece tokens, so every chunk is read whole;
``unit="tiktoken"`` is the old sizing (body only, in tiktoken tokens), kept for comparison.
"""

from __future__ import annotations

import math
from functools import lru_cache

from .models import Chunk, Paper
from .tokens import count_wordpieces, encoding, wordpieces

SPECIAL_TOKENS = 2  # [CLS] and [SEP]
MIN_BODY = 32  # a title that fills the window still gets some body per chunk


@lru_cache(maxsize=256)
def _splitter(size: int, overlap: int, unit: str):  # noqa: ANN202
    from llama_index.core.node_parser import SentenceSplitter

    if unit == "encoder":
        tokenizer = wordpieces
    else:
        enc = encoding()

        def tokenizer(s: str) -> list[int]:
            return enc.encode(s, disallowed_special=())

    return SentenceSplitter(chunk_size=size, chunk_overlap=min(overlap, size // 2), tokenizer=tokenizer)


def body_budget(paper: Paper, size: int, unit: str) -> int:
    """Tokens of abstract per chunk: the whole ``size`` (tiktoken), or what the title and the
    special tokens leave of the encoder's window."""
    if unit != "encoder":
        return size
    return max(MIN_BODY, size - SPECIAL_TOKENS - count_wordpieces(f"{paper.title}\n"))


def estimate_chunks(paper: Paper, size: int, overlap: int) -> int:
    """Chunks ``paper`` will make, from its length alone (for the free-space check before a
    write, without chunking every paper up front): about 3.5 characters per token, rounded up."""
    tokens = (len(paper.title) + len(paper.abstract)) / 3.5 + SPECIAL_TOKENS
    return 1 if tokens <= size else 1 + math.ceil((tokens - size) / max(1, size - overlap))


def chunking_key(size: int, overlap: int, unit: str) -> str:
    """What an index records per paper; a paper chunked another way is re-embedded."""
    return f"{size}/{overlap}" if unit == "tiktoken" else f"wp{size}/{overlap}"


def chunk_paper(paper: Paper, size: int, overlap: int, unit: str = "encoder") -> list[Chunk]:
    """Split an abstract into chunks whose embedded text starts with the title, each within
    ``size`` tokens (see the module note for ``unit``). Spans are character offsets into
    ``paper.abstract``."""
    budget = body_budget(paper, size, unit)
    # Most abstracts fit in one chunk; counting their tokens once is far cheaper than the
    # splitter's sentence-by-sentence pass, which only the longer ones need.
    length = count_wordpieces(paper.abstract) if unit == "encoder" else len(
        encoding().encode(paper.abstract, disallowed_special=()))
    fits = length <= budget
    bodies = [paper.abstract] if fits else _splitter(budget, overlap, unit).split_text(paper.abstract)
    bodies = bodies or [paper.abstract]
    chunks: list[Chunk] = []
    cursor = 0
    for number, body in enumerate(bodies):
        start = paper.abstract.find(body, cursor)
        if start < 0:  # the splitter normalised something; fall back to a prefix search
            start = paper.abstract.find(body[:40], max(0, cursor - len(body)))
            start = max(start, 0)
        end = min(len(paper.abstract), start + len(body))
        cursor = start + 1
        chunks.append(
            Chunk(
                chunk_id=f"{paper.paper_id}#{number}",
                paper_id=paper.paper_id,
                chunk_no=number,
                n_chunks=len(bodies),
                text=f"{paper.title}\n{body}",
                start=start,
                end=end,
            )
        )
    return chunks

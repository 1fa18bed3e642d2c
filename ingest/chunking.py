"""Token-aware chunking: llama-index's sentence splitter, measured in tiktoken tokens."""

from __future__ import annotations

from functools import lru_cache

from .models import Chunk, Paper
from .tokens import encoding


@lru_cache(maxsize=8)
def _splitter(size: int, overlap: int):  # noqa: ANN202
    from llama_index.core.node_parser import SentenceSplitter

    enc = encoding()
    return SentenceSplitter(
        chunk_size=size,
        chunk_overlap=overlap,
        tokenizer=lambda s: enc.encode(s, disallowed_special=()),
    )


def chunk_paper(paper: Paper, size: int, overlap: int) -> list[Chunk]:
    """Split an abstract into chunks whose embedded text starts with the title.

    ``size`` and ``overlap`` count tiktoken tokens of the abstract body; the title is added
    on top, so each chunk stands alone in retrieval. Spans are character offsets into
    ``paper.abstract``.
    """
    # Most abstracts fit in one chunk; counting their tokens once is ~100x cheaper than the
    # splitter's sentence-by-sentence pass, which only the longer half needs.
    fits = len(encoding().encode(paper.abstract, disallowed_special=())) <= size
    bodies = [paper.abstract] if fits else _splitter(size, overlap).split_text(paper.abstract)
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

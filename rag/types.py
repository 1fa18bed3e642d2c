"""The public return types of ``rag`` (plain dataclasses; nothing from llama-index or Chroma)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Literal

from ingest.models import paper_year

# What a question asks for (``rag.question.profile``): one paper, a list of papers, a fact, or
# anything else. Here so settings can name kinds without importing the question reader.
Kind = Literal["which-paper", "multi-paper", "factoid", "open"]

__all__ = ["Answer", "Citation", "Draft", "PaperMeta", "Retrieval", "SentenceCheck", "Source"]

_ARXIV = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


@dataclass(frozen=True)
class PaperMeta:
    """What the input said about a paper beyond title and abstract ("" where it said nothing:
    the bundled listing dumps have none of it, and nothing is made up)."""

    authors: str = ""
    year: str = ""
    url: str = ""
    doi: str = ""
    arxiv_id: str = ""

    @classmethod
    def from_metadata(cls, meta: dict) -> PaperMeta:
        """From a chunk's stored metadata (the readers' keys: authors, year or update_date,
        url, doi, and the record's own id when it is an arXiv id)."""

        def text(key: str) -> str:
            value = meta.get(key)
            return str(value).strip() if value not in (None, "") else ""

        year = meta.get("pub_year") or paper_year(meta)
        arxiv = text("arxiv_id")
        return cls(
            authors=text("authors"),
            year=str(year) if year else "",
            url=text("url"),
            doi=text("doi"),
            arxiv_id=arxiv if _ARXIV.match(arxiv) else "",
        )

    @property
    def link(self) -> str:
        """Where to read the paper: its URL (http/https only), its DOI, or its arXiv page."""
        if self.url.startswith(("https://", "http://")):
            return self.url
        if self.doi:
            return "https://doi.org/" + self.doi.removeprefix("https://doi.org/")
        if self.arxiv_id:
            return f"https://arxiv.org/abs/{self.arxiv_id}"
        return ""

    def byline(self) -> str:
        """"Vaswani, A., Shazeer, N. (2017)", or "" when neither is known."""
        parts = [self.authors if len(self.authors) <= 120 else self.authors[:117] + "…"]
        if self.year:
            parts.append(f"({self.year})")
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Source:
    """One retrieved paper, as handed to the answerer (numbered from 1 in rank order)."""

    n: int
    paper_id: str
    title: str
    abstract: str
    chunk_id: str  # best-matching chunk
    passage: str  # that chunk's text (title + body)
    score: float  # fused retrieval score (comparable within one question only)
    relevance: float  # best dense cosine similarity of any of its chunks to the question
    sources: tuple[str, ...] = ()  # files the paper was read from
    chunk_ids: tuple[str, ...] = ()
    meta: PaperMeta = PaperMeta()  # authors, year, link, where the input had them


@dataclass
class Retrieval:
    """Ranked papers for one question and the retriever's own scores (no verdict: that is
    ``rag.evidence``'s)."""

    question: str
    sources: list[Source] = field(default_factory=list)
    top_relevance: float = 0.0
    coverage: float = 0.0  # IDF-weighted share of the question's words found in a top paper
    seconds: float = 0.0


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` in the answer text: which paper, and the passage sentence that supports it."""

    n: int
    paper_id: str
    title: str
    chunk_id: str
    source_rank: int  # the paper's rank in ``Answer.sources`` (1-based)
    sentence: str  # best-supporting sentence of the abstract ("" if none found)
    span: tuple[int, int]  # that sentence's character span in the abstract
    score: float  # support score of the best claim citing it (0..1)
    meta: PaperMeta = PaperMeta()  # the cited paper's authors, year, link
    # every abstract sentence that supports a claim citing it, in abstract order: an answer
    # quoting two sentences of one paper shows both on the page, not only the best one
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class SentenceCheck:
    """The grounding verdict for one sentence of the answer."""

    text: str
    citations: tuple[int, ...]  # final citation numbers on this sentence
    support: float  # best support score among its citations (0..1)
    supported: bool
    claim: bool  # False for connective sentences with nothing to support


@dataclass
class Draft:
    """What an answerer produced, before grounding: text with ``[n]`` = ``sources[n-1]``."""

    text: str
    mode: str  # "extractive" | "generative"
    model: str = ""
    notice: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    refused: bool = False


@dataclass
class Answer:
    """A grounded answer. ``citations`` matches the ``[n]`` markers in ``text`` exactly."""

    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    refused: bool = False
    mode: str = "extractive"
    model: str = ""
    notice: str = ""  # shown to the user: extractive label, fallback reason, …
    query: str = ""  # the standalone query used for retrieval (differs in follow-ups)
    sentences: list[SentenceCheck] = field(default_factory=list)
    removed_citations: int = 0  # markers that pointed at no source
    added_citations: int = 0  # citations attached after the fact (post-hoc attribution)
    relevance: float = 0.0  # best dense similarity of any retrieved passage
    evidence: str = "answer"  # the evidence decision: "answer" | "weak" (shown, labelled) | "refuse"
    confidence: float = 0.0  # its calibrated probability that the abstracts cover the question
    reason: str = ""  # why the evidence is weak or the question refused ("" otherwise)
    # A follow-up answered from the papers under discussion: their titles, and what in the
    # question pointed at them ("the second one" → reference [2]); empty for a fresh question.
    about: list[str] = field(default_factory=list)
    resolved: str = ""
    cue: str = ""  # in a chat, what decided that (rag.conversation.Focus.cue)
    filters: str = ""  # the filters the search was limited by ("since 2022, author “Vaswani”")
    draft: str = ""  # the answer as the answerer wrote it, before grounding ([n] = source n)
    timings: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)

    @property
    def unsupported(self) -> list[str]:
        """Answer sentences with a claim that no retrieved passage supports."""
        return [s.text for s in self.sentences if s.claim and not s.supported]

    def quoted(self) -> list[str]:
        """Each of ``sentences`` as a reader reads it: no ``[n]`` markers, no ``Title — `` prefix
        (the title names the paper; it states nothing)."""
        out = []
        for sentence in self.sentences:
            text = re.sub(r"\s*\[\d+\]", "", sentence.text).strip()
            for src in self.sources:
                if text.startswith(f"{src.title} — "):
                    text = text[len(src.title) + 3 :]
                    break
            out.append(text.strip())
        return out

    @property
    def cited_sources(self) -> list[Source]:
        ranks = {c.source_rank for c in self.citations}
        return [s for s in self.sources if s.n in ranks]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["unsupported"] = self.unsupported
        return data

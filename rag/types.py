"""The public return types of ``rag`` (plain dataclasses; nothing from llama-index or Chroma)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["Answer", "Citation", "Draft", "Retrieval", "SentenceCheck", "Source"]


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
    confidence: float = 0.0  # its calibrated probability that the abstracts answer the question
    reason: str = ""  # why the evidence is weak or the question refused ("" otherwise)
    # A follow-up answered from the papers under discussion: their titles, and what in the
    # question pointed at them ("the second one" → reference [2]); empty for a fresh question.
    about: list[str] = field(default_factory=list)
    resolved: str = ""
    cue: str = ""  # in a chat, what decided that (rag.conversation.Focus.cue)
    timings: dict[str, float] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)

    @property
    def unsupported(self) -> list[str]:
        """Answer sentences with a claim that no retrieved passage supports."""
        return [s.text for s in self.sentences if s.claim and not s.supported]

    @property
    def cited_sources(self) -> list[Source]:
        ranks = {c.source_rank for c in self.citations}
        return [s for s in self.sources if s.n in ranks]

    def to_dict(self) -> dict:
        data = asdict(self)
        data["unsupported"] = self.unsupported
        return data

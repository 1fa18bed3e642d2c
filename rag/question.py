"""The question, read once: what kind of answer it wants, what it names, what it asks for.

Built by ``profile()`` before retrieval and handed to retrieval, the evidence decision and the
answerers, so no later stage parses the question again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .answer.slots import Slot, asked_slot
from .kind import KindModel
from .names import Name, question_names
from .text import content_words
from .types import Kind

_PAPER = r"(?:papers?|works?|stud(?:y|ies)|articles?|entries|abstracts?|methods?|approach(?:es)?|models?|systems?|publications?|research)"
# "Which papers …", "what works …", "list …", "any papers on": the answer is a set of papers.
_MULTI = re.compile(
    rf"\b(?:(?:which|what) (?:[\w-]+ ){{0,3}}(?:papers|works|studies|articles|entries|abstracts|publications|methods|approaches|models)\b"
    rf"|list (?:the |all )?{_PAPER}|(?:is there )?anything (?:on|about|in (?:this|the) (?:collection|corpus)|here)|any {_PAPER} (?:on|about|that)|"
    rf"papers (?:on|about|that)|what (?:work|research) (?:in|here|is there|exists)|what exists|which ones\b|what do (?:we|you) have)"
    # a plural existential ("Are there tiny pretrained models …?", "Any language models for …?")
    rf"|^\W*(?:(?:and|so|but|also),? )?(?:are there (?:any )?|any )(?:[\w-]+ ){{0,3}}(?:{_PAPER}|work)\b",
    re.I,
)
# "Which paper …", "is there a paper …", "what's it called": the answer is one paper.
_WHICH = re.compile(
    rf"\b(?:(?:which|what) (?:[\w-]+ ){{0,3}}(?:paper|work|study|article|method|approach|model|system|technique|framework)\b"
    rf"|(?:is|was) there (?:a|an|one|any {_PAPER}|(?:any )?(?:work|research))\b|which one\b"
    r"|what(?:'s| is| was) (?:it|that|this|the) (?:[\w-]+ ){0,4}called|what(?:'s| is| was) the (?:[\w-]+ ){0,2}(?:paper|work|study)\b"
    rf"|i(?:'m| am) (?:after|looking for)|i (?:recall|remember)|looking for (?:a|the) {_PAPER})",
    re.I,
)


# The words that open a question: wh-words, and the auxiliaries of a yes/no question.
_WH = "what|which|how|why|where|when|who|whose"
_AUX = "is|are|was|were|does|do|did|can"
# "What was its best accuracy, and from which classifier?": two things asked, each its own part
# (after a bare "and", only a wh-word or do-auxiliary opens a part: "… and is fast" does not).
_PART_BREAK = re.compile(
    rf"(?:,|;)\s*(?:and|but|plus)?\s*(?=(?:{_WH}|{_AUX})\b)"
    rf"|,?\s+and\s+(?:(?:from|against|in|on|at|for|with|by|under|to|of)\s+)?(?=(?:{_WH}|does|do|did)\b)",
    re.I,
)


@dataclass(frozen=True)
class QuestionProfile:
    """Everything later stages need to know about the question."""

    text: str
    kind: Kind
    names: tuple[Name, ...]  # acronyms, CamelCase, alphanumerics the question names
    slot: Slot | None  # what the answer must state, when the wording says (any kind of question)
    words: frozenset[str]  # content words
    parts: tuple[str, ...] = ()  # the questions a compound question asks ("…, and what …"), or ()


def rule_kind(question: str) -> Kind | None:
    """"multi-paper" or "which-paper" when a pattern above fires, else None."""
    if _MULTI.search(question):
        return "multi-paper"
    if _WHICH.search(question):
        return "which-paper"
    return None


def _kind_of(question: str, slot: Slot | None, learned: KindModel | None) -> Kind:
    # the patterns first (right 0.99 of the time they fire on the dev splits), then the learned
    # model for the wordings they do not list ("Show me all abstracts on …")
    kind = rule_kind(question) or (learned.kind(question) if learned is not None else None)
    if kind is not None:
        return kind  # type: ignore[return-value]
    return "factoid" if slot is not None else "open"


def profile(question: str, kind: Kind | None = None, learned: KindModel | None = None) -> QuestionProfile:
    """``kind`` overrides what the wording says (a follow-up about one paper under discussion
    is a factoid even when it starts "Which models …"). ``learned``: the question-kind model
    (``rag.kind``) read where no pattern fires; None: the patterns alone."""
    slot = asked_slot(question)
    kind = kind or _kind_of(question, slot, learned)
    return QuestionProfile(
        text=question,
        kind=kind,
        names=tuple(question_names(question)),
        slot=slot,
        words=content_words(question),
        parts=_parts(question),
    )


_ASKING = re.compile(rf"\b(?:{_WH}|{_AUX})\b", re.I)


def _parts(question: str) -> tuple[str, ...]:
    """The questions a compound question asks; a lead-in that asks nothing ("In DeepFool, how
    much …") stays with the question it introduces."""
    pieces: list[str] = []
    carry = ""
    for piece in (p.strip(" ,;") for p in _PART_BREAK.split(question)):
        piece = f"{carry}, {piece}" if carry else piece
        if _ASKING.search(piece) and len(piece.split()) >= 2:
            pieces.append(piece)
            carry = ""
        else:
            carry = piece
    if carry and pieces:
        pieces[-1] = f"{pieces[-1]}, {carry}"
    return tuple(pieces) if len(pieces) >= 2 else ()

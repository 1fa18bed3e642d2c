"""The offline answerer: the retrieved abstracts' most relevant sentences, quoted verbatim.

Grounded by construction: every sentence is copied from a source and cited to it. It does
not paraphrase or combine facts, and says so (``Draft.notice``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from ingest.embed import CachedEmbedder
from ingest.tokens import count_tokens

from ..names import question_names, text_words
from ..retrieve import Source
from ..text import content_words, evidence_sentences
from ..types import Draft
from .slots import asked_slot

NOTICE = "Extractive answer: sentences quoted verbatim from the retrieved abstracts (no LLM)."


_ASKS_NUMBER = re.compile(
    r"\b(how (many|much|large|long|fast|big)|what (fraction|percentage|share|number|size)|by how)\b", re.I
)


def rank_sentences(
    question: str, sources: Sequence[Source], embedder: CachedEmbedder
) -> list[tuple[float, int, str]]:
    """``(score, source n, sentence)`` for every abstract sentence, best first.

    Score: cosine to the question, plus small bonuses for the question's content words
    (numbers and names a question repeats are the strongest evidence a sentence answers it)
    and, when the question asks for a quantity, for sentences that state one.
    """
    # text aimed at a model is never quoted as an answer
    candidates = [(s.n, sent.text) for s in sources for sent in evidence_sentences(s.abstract)]
    if not candidates:
        return []
    vectors = embedder.embed([question] + [text for _, text in candidates])
    cos = vectors[1:] @ vectors[0]
    q_words = content_words(question)
    wants_number = bool(_ASKS_NUMBER.search(question))
    scored = []
    for (n, text), c in zip(candidates, cos, strict=True):
        overlap = len(q_words & content_words(text)) / len(q_words) if q_words else 0.0
        number = 0.05 if wants_number and any(ch.isdigit() for ch in text) else 0.0
        scored.append((float(c) + 0.15 * overlap + number, n, text))
    scored.sort(key=lambda t: t[0], reverse=True)
    return scored


def answer_extractive(
    question: str,
    sources: Sequence[Source],
    embedder: CachedEmbedder,
    *,
    max_sentences: int = 4,
    floor: float = 0.35,
    per_source: int = 2,
    margin: float = 0.12,
    check_slot: bool = True,
    slot_margin: float = 0.15,
) -> Draft:
    """Quote the best sentences, each line naming the paper it quotes.

    The best paper gets up to ``per_source`` sentences (a fact often sits in its second-best
    sentence); other papers join when their best sentence is close to the overall best
    (questions that span papers); remaining room goes to the next-best sentences.

    With ``check_slot``, a question that names what it asks for ("which optimizer", "how many
    GPUs") is answered only if a sentence close to the best one states it; that sentence leads.
    """
    started = time.perf_counter()
    every = rank_sentences(question, sources, embedder)
    ranked = [r for r in every if r[0] >= floor]
    slot = asked_slot(question) if check_slot and ranked else None
    filler = None
    if slot is not None:
        # A figure about X is stated next to X: a sentence of another paper fills the slot only
        # if it names everything the question names that the best paper does ("OPT-175B"), so
        # GLM-130B's own GPU count does not answer "how many GPUs trained OPT-175B".
        best = ranked[0][1]
        paper = next((s for s in sources if s.n == best), None)
        has = text_words(f"{paper.title} {paper.abstract}") if paper else set()
        subject = [n for n in question_names(question) if n.found_in(has)]

        def about_subject(text: str) -> bool:
            words = text_words(text)
            return all(n.found_in(words) for n in subject)

        # Every sentence of the best paper may fill the slot, even one under the floor: the
        # paper is the question's subject and the slot word is the evidence.
        near = [
            r
            for r in every
            if r[1] == best or (r[0] >= ranked[0][0] - slot_margin and about_subject(r[2]))
        ]
        titles = {s.n: s.title for s in sources}
        filler = next((r for r in near if slot.filled_by(r[2], question, titles[r[1]])), None)
        if filler is None:
            title = paper.title if paper else ""
            return Draft(
                text=(
                    f"The retrieved abstracts do not state {slot.describe()}. The closest match, "
                    f"“{title}”, is on the topic, but none of its sentences answers this."
                ),
                mode="extractive",
                notice=NOTICE,
                refused=True,
                seconds=time.perf_counter() - started,
            )
    picked: list[tuple[float, int, str]] = []
    per: dict[int, int] = {}

    def take(item: tuple[float, int, str]) -> None:
        if len(picked) < max_sentences and item not in picked and per.get(item[1], 0) < per_source:
            picked.append(item)
            per[item[1]] = per.get(item[1], 0) + 1

    if filler is not None:
        take(filler)
    if ranked:
        top = ranked[0]
        for item in [r for r in ranked if r[1] == top[1]][:per_source]:
            take(item)
        seen = {top[1]}
        for item in ranked:
            if item[1] not in seen:
                seen.add(item[1])
                if item[0] >= top[0] - margin:
                    take(item)
        for item in ranked:
            take(item)
    if not picked:
        return Draft(
            text="The retrieved abstracts do not contain a sentence that answers this question.",
            mode="extractive",
            notice=NOTICE,
            refused=True,
            seconds=time.perf_counter() - started,
        )
    titles = {s.n: s.title for s in sources}
    order = list(dict.fromkeys(n for _, n, _ in picked))  # papers in order of their best sentence
    lines = []
    for n in order:
        for i, (_, _, text) in enumerate(p for p in picked if p[1] == n):
            lines.append(f"{titles[n]} — {text} [{n}]" if i == 0 else f"{text} [{n}]")
    text = "\n".join(lines)
    return Draft(
        text=text,
        mode="extractive",
        notice=NOTICE,
        completion_tokens=count_tokens(text),  # what a reader (or a downstream LLM) would pay
        seconds=time.perf_counter() - started,
    )

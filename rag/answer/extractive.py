"""The offline answerer: sentences of the retrieved abstracts, quoted verbatim, composed by the
kind of question. It only composes: whether to answer at all is ``rag.evidence``'s decision,
and the sentences come ranked by ``rag.reader``.

Grounded by construction: every sentence is copied from a source and cited to it. It does
not paraphrase or combine facts, and says so (``Draft.notice``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from ingest.tokens import count_tokens

from ..evidence import Evidence, names_paper
from ..names import own_name
from ..question import QuestionProfile
from ..reader import Scored
from ..settings import AnswerSettings
from ..types import Draft, Source
from .slots import states_new_quantity, states_quantity

NOTICE = "Extractive answer: sentences quoted verbatim from the retrieved abstracts (no LLM)."


def best_per_paper(sentences: Sequence[Scored]) -> list[Scored]:
    """Each paper's best sentence, papers in order of it."""
    seen: dict[int, Scored] = {}
    for s in sentences:
        seen.setdefault(s.n, s)
    return list(seen.values())


def _following(ranked: Sequence[Scored], shown: frozenset[str], fresh: int, again: int) -> list[Scored]:
    """The best ``fresh`` of ``ranked`` that no earlier answer quoted, with up to ``again`` that
    one did among them where they read better: a follow-up asking for a detail an earlier
    answer happened to quote gets it again, and still says as much that is new."""
    out: list[Scored] = []
    new = 0
    for s in ranked:
        if new >= fresh:
            break
        if s.text.strip() not in shown:
            out.append(s)
            new += 1
        elif again > 0:
            out.append(s)
            again -= 1
    return out


def pick(
    question: QuestionProfile,
    evidence: Evidence,
    settings: AnswerSettings,
    shown: frozenset[str] = frozenset(),
    titles: dict[int, str] | None = None,
) -> list[Scored]:
    """The sentences to quote, leading sentence first.

    - factoid: from the paper the question is about (the one it names, else the one the
      decision leads with, ``Evidence.papers``): the sentence that states the asked-for slot
      first (or, for a quantity none names, its best sentence stating one), then the best
      sentence for each part of a compound question. Another paper's figure is never the
      answer to a question about a named paper.
    - which-paper: the lead paper's best ``per_source`` sentences, then its best-reading
      sentence stating a figure (what it found) if none after the first does, and its
      best-reading sentence writing the name it gives its contribution (``own_name``) if none
      does yet; a runner-up paper only if it reads nearly as well.
    - multi-paper: one line for every retrieved paper whose best sentence reads at least
      ``multi_floor`` as well as the best paper's, in the retriever's order (``list_order``:
      it read whole abstracts, a sentence score reads one sentence); when the question asks
      for a slot ("what gains did each report"), the line is that paper's sentence stating
      it, if one does, else its best sentence not yet ``shown``; then, when the line does not
      write the name the paper gives its contribution (``own_name``), its best-reading sentence
      that does (``multi_paper_name``); ``multi_per_paper`` sentences of each paper in all
      before that (a follow-up about several papers quotes more of each).
    - open: the best paper's best sentences, then close runners-up, up to ``max_sentences``.

    ``shown``: sentences a conversation already quoted. The lead sentence stays even if shown
    (it reads best for this question); the ones that follow it are new ones, except that a
    factoid quotes again up to ``follow_up_requote`` shown ones that read better (``_following``).
    """
    ranked = evidence.sentences
    if not ranked:
        return []
    papers = best_per_paper(ranked)
    if question.kind != "multi-paper" and evidence.papers:  # lead with the paper the decision chose
        place = {n: i for i, n in enumerate(evidence.papers)}
        papers.sort(key=lambda s: place.get(s.n, len(place)))
    top = papers[0]
    margin = settings.join_margin
    if question.kind == "factoid":
        about = evidence.subject if evidence.subject is not None else top.n
        own = [s for s in ranked if s.n == about]
        lead = evidence.fillers.get(about) or own[0]
        rest = [s for s in own if s is not lead and s.text.strip() not in shown]
        again = settings.follow_up_requote - (lead.text.strip() in shown)
        out = [lead] + _following([s for s in own if s is not lead], shown, settings.per_source - 1, again)
        if settings.factoid_sure and lead.typed:
            # the answer-type model is unsure which sentence states the answer: quote its next
            # choices until its probability that one quoted does reaches factoid_sure
            for s in rest[settings.per_source - 1: settings.factoid_most - 1]:
                if sum(x.typed for x in out) >= settings.factoid_sure:
                    break
                out.append(s)
        slot = question.slot
        if (settings.factoid_figure and slot is not None and slot.number and about not in evidence.fillers
                and not any(states_new_quantity(s.text, question.text) for s in out)):
            # "how many …" is answered by a number: when no sentence names the slot's word
            # ("photos" vs "1,254 images"), the paper's best-reading sentence stating one
            figure = [s for s in rest if s not in out and states_new_quantity(s.text, question.text)][:1]
            out = (out[:1] + figure + out[1:]) if settings.factoid_figure == "second" else out + figure
        if settings.each_part and question.parts:
            # "What was its best accuracy, and from which classifier?": each part's best sentence
            for i in range(len(question.parts)):
                best = max((s for s in own if s.parts and s.text.strip() not in shown), key=lambda s: s.parts[i],
                           default=None)
                if best is not None and best not in out:
                    out.append(best)
        runner = next((p for p in papers if p.n != about), None)
        if (settings.factoid_runner_up and runner is not None
                and not names_paper(question, (titles or {}).get(about, ""), [s.text for s in own])):
            # the question calls no paper by its name (it may mention a term one of them writes,
            # "ViT", "p53"): the lead is a guess between papers that read alike, so the
            # runner-up's sentence for the slot is shown too, under its own title
            line = evidence.fillers.get(runner.n) or (runner if settings.factoid_runner_up == "best" else None)
            if line is not None:
                return out + [line]
        if evidence.subject is None:
            out += [p for p in papers[1:2] if p.score >= top.score - margin]
        return out
    if question.kind == "which-paper":
        lead = papers[0]
        own = [s for s in ranked if s.n == lead.n and s is not lead and s.text.strip() not in shown]
        out = [lead] + own[: settings.per_source - 1]
        if settings.which_paper_result and not any(states_quantity(s.text) for s in out[1:]):
            # what it found, after what shows it is the paper
            out += [s for s in own if s not in out and states_quantity(s.text)][:1]
        name = own_name([lead.text, *(s.text for s in own)], (titles or {}).get(lead.n, "")) \
            if settings.which_paper_name else None
        if name is not None and not any(name.written_in(s.text) for s in out):
            # what the paper calls its contribution: the reader asking "which paper" wants the name
            out += [s for s in own if s not in out and name.written_in(s.text)][:1]
        return out + [p for p in papers[1:2] if p.score >= lead.score - margin]
    if question.kind == "multi-paper":
        # "what loss does each optimize": a paper's line is its sentence that states the slot;
        # otherwise its best sentence this conversation has not quoted yet (a follow-up about
        # "both" should say something new about each)
        fresh: dict[int, Scored] = {}
        for s in ranked:
            if s.n not in fresh and s.text.strip() not in shown:
                fresh[s.n] = s
        listed = [p for p in papers if p.score >= settings.multi_floor * top.score]
        if settings.list_order == "retrieval":  # source numbers are retrieval ranks
            listed.sort(key=lambda p: p.n)
        lines = [evidence.fillers.get(p.n) or fresh.get(p.n, p) for p in listed]
        out = []
        for line in lines:
            own = [s for s in ranked if s.n == line.n]
            # a follow-up about several papers ("what did each report?") quotes more of each
            quoted = [line] + [s for s in own if s is not line and s.text.strip() not in shown][: settings.multi_per_paper - 1]
            # a reader asking "which papers" wants what each calls its method ("DetectGPT"): its
            # name read over the whole abstract, the sentence quoted one not shown yet
            name = own_name([s.text for s in own], (titles or {}).get(line.n, "")) if settings.multi_paper_name else None
            if name is not None and not any(name.written_in(s.text) for s in quoted):
                quoted += [s for s in own if s not in quoted and s.text.strip() not in shown and name.written_in(s.text)][:1]
            out += quoted
        return out
    out: list[Scored] = [s for s in ranked if s.n == top.n][: settings.per_source]
    out += [p for p in papers[1:] if p.score >= top.score - margin]
    out += [s for s in ranked if s not in out]
    return out[: max(settings.max_sentences, len(out[:1]))]


def compose(
    question: QuestionProfile,
    evidence: Evidence,
    sources: Sequence[Source],
    settings: AnswerSettings,
    shown: frozenset[str] = frozenset(),
) -> Draft:
    """Quote the picked sentences, each paper's first line naming it: ``Title — sentence [n]``."""
    started = time.perf_counter()
    titles = {s.n: s.title for s in sources}
    picked = pick(question, evidence, settings, shown, titles)
    order = list(dict.fromkeys(s.n for s in picked))  # papers in order of their lead sentence
    lines = []
    for n in order:
        for i, s in enumerate(p for p in picked if p.n == n):
            lines.append(f"{titles[n]} — {s.text} [{n}]" if i == 0 else f"{s.text} [{n}]")
    text = "\n".join(lines)
    return Draft(
        text=text,
        mode="extractive",
        notice=NOTICE,
        completion_tokens=count_tokens(text),  # what a reader (or a downstream LLM) would pay
        seconds=time.perf_counter() - started,
    )

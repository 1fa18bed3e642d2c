"""What a follow-up is about: the conversation's state, and how a question points back into it.

A chat remembers, for every answer, the papers it cited in the order it cited them. A follow-up
that points back is answered from those papers, its sentences ranked by what the follow-up
itself asks; one that asks for other work starts afresh. How a question points back, checked
in this order:

1. a position: "the second one", "the latter", "[2]" → that paper of the most recent answer
   with that many papers ("the first one" after a one-paper answer means the last list);
   "the other one" → the paper of the most recent list that the last answer did not lead with
   (after "which of them …" narrowed a list of two to one, the one left);
2. a request for work ("is there a paper on …", "what about diffusion models?", "unrelated:")
   → retrieve afresh, even if the question says "it" about its own subject; an opening topic
   change ("Switching gears:") is dropped from what is searched and read;
3. all of them ("both", "each of them"; "they" after a list) → every paper of the last answer
   ("both" after a longer list: the two it led with; after a one-paper answer: that paper and
   the one the answer before it led with);
4. one of them ("which of them …", "which one …", "the curvature-based one", "the one working
   in …") → the last answer's papers, and the best-reading one is the answer;
5. a pronoun ("it", "their results", "this method") → the paper the last answer led with;
6. no subject of its own ("How long did training take?"): nothing it names is missing from
   the paper the last answer led with → that paper; otherwise afresh.

These are cues of English reference, not of any question set: they are judged on the blind
conversation set's test split, with each cue's share reported (``Focus.how``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .evidence import paper_name
from .names import text_words
from .question import QuestionProfile
from .types import Answer

_NOUN = r"(?:one|paper|work|study|method|model|approach|system|framework|technique|article|entry)"
_POSITIONS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "former": 1, "latter": -1, "last": -1}
_POSITION = re.compile(
    rf"\b(?:the|that) (first|second|third|fourth|fifth|former|latter|last)(?: {_NOUN}(?:'s)?)?(?!\s*(?:time|step|stage|phase|layer|half|epoch|token|author|place))"
    # nor a count of something else ("the last couple of layers", "the first two epochs")
    r"(?!\s*(?:couple|few|several|handful|dozen|hundred|thousand|\d+|two|three|four|five|six|seven|eight|nine|ten)\b)\b"
    r"|\b(?:paper|reference|ref\.?|source|number|no\.) ?#?\[?(\d)\]?(?![\d.])|\[(\d)\]",
    re.I,
)
# A spoken change of subject: "unrelated question", "switching gears", "on another topic".
_CHANGE = (
    r"(?:(?:on )?(?:an)?other (?:topic|note|subject)|on a different (?:topic|note)|unrelated(?: question)?"
    r"|(?:a )?different (?:angle|topic|question|subject)|(?:a )?new (?:topic|question)"
    r"|chang(?:ing|e of) (?:the )?(?:topic|subject)|switching (?:topics?|gears|subjects?))"
)
_SEEK = re.compile(
    r"\b(?:is|are|was|were) there (?:any(?:thing|one)?|a|an|some(?:thing|one)?|other|another|more|work|research|papers?|studies)\b"
    r"|\b(?:any|other|another|more|similar) (?:papers?|work|studies|research|approaches|methods)\b"
    r"|^\W*(?:and |so |ok(?:ay)?,? )?(?:what|how) about (?!(?:it|its|them|their|this|that|these|those|the (?:first|second|third|former|latter|last|other|same))\b)"
    rf"|\b{_CHANGE}\b",
    re.I,
)
# ... and opening the question ("Switching gears: is there work on …"), a cue for the
# conversation, not words to search or read with.
_TOPIC_CHANGE = re.compile(rf"^\W*(?:(?:and|so|ok(?:ay)?),? )?{_CHANGE}\s*[:;,.!?\u2014\u2013-]+\s*", re.I)
_ALL = re.compile(
    r"\b(?:both|each of (?:them|these|those|the \w+)|all (?:of )?(?:them|these|those|three|four)|the two(?! of)"
    rf"|(?:these|those) {_NOUN}s|each (?:one|paper|work|method|model|approach))\b",
    re.I,
)
_ONE_OF = re.compile(
    rf"\b(?:which|what|whichever) (?:one |{_NOUN} )?of (?:them|these|those|the two|the \w+)\b"
    rf"|\bthe (?!(?:first|second|third|fourth|fifth|former|latter|last|same|other|next|only)\b)[\w-]+(?: [\w-]+)? (?:one|paper)\b(?! of)"
    r"|\bthe (?:one|paper|work|study|model|method) (?:that|which|who|with|where|whose|about|from|using|on)\b"
    # a reduced relative ("the one working in a graph frequency space"), not "the one thing"
    r"|\bthe (?:one|paper|work|study|model|method) (?!(?:thing|string)\b)[a-z]{2,}ing\b"
    # "which one is bigger?": which of the papers just discussed
    r"|\bwhich one\b",
    re.I,
)
# "the other one", "the other paper's", "And the other: …"; not "on the other hand", nor a plural
# ("the other papers", "the other two"), which asks about more than one
_OTHER = re.compile(
    rf"\bthe other(?: {_NOUN}(?:'s)?)?\b(?!\s*(?:hand|way|side|{_NOUN}s|ones|two|three|four)\b)", re.I)
_CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
_PLURAL = re.compile(r"\b(?:they|them|their|theirs|these|those)\b", re.I)
_POINTER = re.compile(
    rf"\b(?:it|its|it's|itself|they|them|their|theirs|the authors|the same)\b"
    rf"|\b(?:this|that|these|those|the) {_NOUN}s?\b(?! (?:that|which|where|who)\b)"
    # "this"/"that" as a determiner or pronoun, not a relative "that": after a verb or a
    # preposition ("was that timing measured", "on that benchmark") or opening the question
    r"|\b(?:was|were|is|are|did|does|do|on|in|for|of|from|with|about|by|at|to|behind|got|get) (?:this|that|these|those)\b"
    r"|^\W*(?:and |so |but )?(?:this|that|these|those)\b",
    re.I,
)


@dataclass(frozen=True)
class Turn:
    """One answered question, as the conversation remembers it."""

    question: QuestionProfile
    answer: Answer

    @property
    def papers(self) -> list[str]:
        """The paper ids the answer cited, in the order it first cited them."""
        if self.answer.refused:
            return []
        by_n = {c.n: c.paper_id for c in self.answer.citations}
        order = [by_n[int(n)] for n in re.findall(r"\[(\d+)\]", self.answer.text) if int(n) in by_n]
        return list(dict.fromkeys(order))

    def titles(self) -> dict[str, str]:
        return {s.paper_id: s.title for s in self.answer.sources}


@dataclass(frozen=True)
class Focus:
    """The papers a follow-up is answered from; none means retrieve afresh."""

    papers: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    cue: str = "first"  # which cue decided: first, position, other, seek, all, one-of, pronoun, plural, ellipsis, fresh
    how: str = "first question"  # the same, in words, for the page
    plural: bool = False  # about every paper in focus (compose one line each)
    limit: int = 0  # answer from only the best-reading ``limit`` of them ("both": 2, "which of them": 1)
    shown: frozenset[str] = frozenset()  # sentences already quoted in this conversation

    @property
    def refers(self) -> bool:
        return bool(self.papers)


def resolve(question: QuestionProfile, history: Sequence[Turn]) -> Focus:
    """What ``question`` refers to, given the earlier turns (oldest first)."""
    answered = [t for t in reversed(history) if t.papers]  # most recent first
    if not answered:
        return Focus(cue="first" if not history else "fresh", how="first question" if not history else "nothing cited before")
    text = question.text
    last = answered[0]

    def focus(turn: Turn, ids: list[str], cue: str, how: str, plural: bool = False, limit: int = 0) -> Focus:
        titles = {k: v for t in reversed(answered) for k, v in t.titles().items()} | turn.titles()
        shown = frozenset(q for t in history for q in t.answer.quoted())
        return Focus(papers=tuple(ids), titles=tuple(titles.get(i, i) for i in ids), cue=cue, how=how,
                     plural=plural, shown=shown, limit=limit)

    m = _POSITION.search(text)
    if m:
        word, *digits = m.groups()
        k = _POSITIONS[word.lower()] if word else int(next(d for d in digits if d))
        said = m.group(0).strip()
        # A position implies a list: the most recent answer with one long enough ("the first
        # one" after a one-paper answer is the first of the list before it). Citations are
        # numbered in order of appearance, so "the second one" is reference [2].
        lists = [t for t in answered if len(t.papers) >= max(abs(k), 2)] or [
            t for t in answered if len(t.papers) >= abs(k)]
        if lists:
            turn = lists[0]
            pick = turn.papers[-1] if k == -1 else turn.papers[k - 1]
            n = turn.papers.index(pick) + 1
            return focus(turn, [pick], "position", f"“{said}” → reference [{n}] of {'the last' if turn is last else 'an earlier'} answer")
    listed = next((t for t in answered if len(t.papers) >= 2), None)
    m = _OTHER.search(text)
    if m and listed is not None:
        # the list's first paper that the last answer did not lead with: after "which of them …"
        # picked one of two, the one left; right after the list, the one it did not lead with
        pick = next(p for p in listed.papers if p != last.papers[0])
        n = listed.papers.index(pick) + 1
        return focus(listed, [pick], "other", f"“{m.group(0).strip()}” → reference [{n}] of "
                     f"{'the last' if listed is last else 'an earlier'} answer, not the one just discussed")
    if _SEEK.search(text):
        return Focus(cue="seek", how="asks for other work")
    m = _ALL.search(text)
    if m and m.group(0).lower() in ("both", "the two") and len(last.papers) == 1:
        # "both" after a one-paper answer: that paper and the one discussed before it (the
        # lead of the answer before, or the next paper it cited when it led with the same one)
        lead = last.papers[0]
        before = next((p for t in answered[1:] for p in t.papers if p != lead), None)
        if before is not None:
            return focus(last, [lead, before], "all", "“both” → the papers of the last two answers", plural=True)
    # "both", "which of them": the most recent answer that listed several papers
    if m and listed is not None:
        if m.group(0).lower() in ("both", "the two") and len(listed.papers) > 2:
            # of a longer list: the two it led with, the ones it found most relevant
            return focus(listed, listed.papers[:2], "all", "“both” → references [1] and [2] of the last list", plural=True)
        return focus(listed, listed.papers, "all", "all papers of the last list", plural=True)
    if _ONE_OF.search(text):
        # the one that fits the description, among the papers the last list cited and the
        # others it retrieved (the page shows those too, under the cited ones)
        turn = listed or last
        pool = turn.papers + [s.paper_id for s in turn.answer.sources if s.paper_id not in turn.papers]
        return focus(turn, pool, "one-of", "the paper of the last answer that fits the description", limit=1)
    if _POINTER.search(text):
        if _PLURAL.search(text) and last.question.kind == "multi-paper" and len(last.papers) >= 2:
            return focus(last, last.papers, "plural", "they → the papers of the last answer", plural=True)
        return focus(last, last.papers[:1], "pronoun", "a pronoun → the paper the last answer led with")
    if question.kind in ("which-paper", "multi-paper"):
        return Focus(cue="fresh", how="asks for a paper")
    lead = last.papers[0]
    source = next((s for s in last.answer.sources if s.paper_id == lead), None)
    words = text_words(f"{source.title} {source.abstract}") if source else set()
    # Its names, and any capitalised word after the first ("Llama 2", "Gemma"): all of them
    # must be the lead paper's for the question to be about it.
    capitalised = {re.sub(r"[^a-z0-9]", "", w.lower()) for w in _CAPITALISED.findall(text)[1:]}
    if all(n.found_in(words) for n in question.names) and capitalised <= set(words):
        return focus(last, [lead], "ellipsis", "no subject of its own → the paper the last answer led with")
    return Focus(cue="fresh", how="names something else")


def ordinal_at(question: str) -> tuple[int, int] | None:
    """Where the ordinal word of a position reference sits ("How big is the second one?" → the
    span of "second"); None when the question picks no paper by "first" … "fifth"."""
    m = _POSITION.search(question)
    if m is None or m.group(1) is None or m.group(1).lower() not in ("first", "second", "third", "fourth", "fifth"):
        return None
    return m.span(1)


def without_topic_change(question: str) -> str:
    """The question without an opening topic change ("Unrelated question: which paper …" →
    "which paper …"); unchanged when it has none or nothing would be left."""
    rest = _TOPIC_CHANGE.sub("", question, count=1).strip()
    return rest[:1].upper() + rest[1:] if len(rest) >= 3 else question


_SINGULAR = re.compile(
    rf"\b(?:(?:the|that) (?:first|second|third|fourth|fifth|former|latter|last)(?: {_NOUN})?('s)?"
    rf"|(?:this|that|the) (?:{_NOUN})('s)?(?! (?:that|which|where|who)\b)|(its)|it|they|them|(their))\b",
    re.I,
)


def spelled_out(question: str, focus: Focus) -> str:
    """The follow-up with its pointer to one paper replaced by that paper's name ("How many
    tokens did it see?" → "How many tokens did Arctic-SnowCoder see?"), so reading ranks that
    paper's own figures above the ones it compares against. Unchanged when the paper's title
    has no short name or the follow-up is about several papers."""
    if len(focus.titles) != 1:
        return question
    head = focus.titles[0].partition(":")[0].strip()
    if not paper_name(focus.titles[0]):
        return question
    return _SINGULAR.sub(lambda m: head + ("'s" if any(m.groups()) else ""), question, count=1)

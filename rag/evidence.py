"""The one evidence-sufficiency decision: answer, answer with labelled weak evidence, or refuse.

Every path (extractive, generative, the page, the API, eval) goes through ``decide()`` before
any answer is composed or any LLM is called. It turns what retrieval and reading measured into
one calibrated probability that the retrieved abstracts cover the question: a logistic model
over a few features whose weights and thresholds live in ``EvidenceSettings`` and are fitted
on the blind sets' dev splits by ``bench/fit_evidence.py`` (never on their test splits),
answerable questions against off-topic ones. A near miss (the paper is there, the detail is
not) reads like an answerable question to every feature measured, so it is left to the weak
label: the slot check caps such an answer at *weak*, with the reason.

Refusing an answerable question costs more than showing weak evidence, so the middle band is
wide: there the answer is shown, labelled weak, with the reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from .coverage import Coverage
from .names import own_name, text_words
from .question import QuestionProfile
from .reader import Scored
from .settings import EvidenceSettings
from .text import evidence_sentences
from .types import Retrieval, Source

Verdict = Literal["answer", "weak", "refuse"]
FEATURES = ("relevance", "reading", "similarity", "coverage", "soft_coverage", "names_missing", "slot_missing")


@dataclass
class Evidence:
    verdict: Verdict
    confidence: float  # calibrated probability that the abstracts cover the question (not off-topic)
    reason: str  # one sentence a user can read ("" for a plain answer)
    sentences: list[Scored]  # every evidence sentence of the retrieved papers, best first
    subject: int | None = None  # source n the question is about (it names it), if any
    slot_filler: Scored | None = None  # the sentence of the paper asked about (or led with) stating the slot
    fillers: dict[int, Scored] = field(default_factory=dict)  # each paper's first sentence stating it
    papers: list[int] = field(default_factory=list)  # source n's, the one to lead with first (lead_order)
    features: dict[str, float] = field(default_factory=dict)


_TOKEN = re.compile(r"[a-z0-9]+")


def paper_name(title: str) -> tuple[str, ...]:
    """The name a paper gives itself: the head of a "Name: subtitle" title ("Gemma", "Llama 2"),
    as lower-case tokens; () when the title has no short head."""
    head, sep, _ = title.partition(":")
    tokens = tuple(_TOKEN.findall(head.lower().replace("-", "")))
    return tokens if sep and 1 <= len(tokens) <= 4 else ()


def subject_source(question: QuestionProfile, sources: list[Source], as_written: bool = True,
                   by: Literal["name", "mention"] = "name") -> Source | None:
    """The paper the question is about: the highest-ranked one it calls by its name, its title's
    head ("the 7B Gemma model" → "Gemma: Open Models …") or the name its abstract keeps using for
    its contribution ("SnowLM", ``own_name``) when no other retrieved abstract writes that name.
    A thing several abstracts write ("YouTube", "LM", "ECG") does not say which paper is asked
    about; the ranking and reading do (``lead_order``).

    ``by`` (``evidence.subject_by``) "mention", the earlier rule, for the ablation: else the
    highest-ranked paper that mentions any name the question writes (acronyms, CamelCase,
    alphanumerics) as a name (``Name.written_in``: "YOLO" is in "YOLOv8", "US" is not in "let
    us"); with ``as_written`` False, among the abstract's lower-cased words."""
    for src in sources:
        if calls_by_name(question, src.title):
            return src
    if not question.names:
        return None
    if by == "name":
        return next((src for src in sources if _called_by_own_name(question, src, sources)), None)
    for src in sources:
        text = f"{src.title} {src.abstract}"
        if any(n.written_in(text) if as_written else n.found_in(text_words(text)) for n in question.names):
            return src
    return None


def _called_by_own_name(question: QuestionProfile, src: Source, sources: list[Source]) -> bool:
    """Whether the question writes the name ``src``'s abstract keeps using (``own_name``) and no
    other retrieved abstract writes it: "LM" is many a language-model paper's own name. Matched
    through the question's names (``Name.written_in``), which read "LMs" as "LM" plural."""
    own = own_name([x.text for x in evidence_sentences(src.abstract)], src.title)
    if own is None:
        return False
    others = [f"{o.title} {o.abstract}" for o in sources if o is not src]
    return any(n.written_in(own.text) and not any(n.written_in(t) for t in others) for n in question.names)


def calls_by_name(question: QuestionProfile, title: str) -> bool:
    """Whether the question calls the paper by its name ("the 7B Gemma model" → "Gemma: Open
    Models …"), not only by something its abstract mentions."""
    text = question.text.lower()
    asked = set(_TOKEN.findall(text.replace("-", ""))) | set(_TOKEN.findall(text.replace("-", " ")))
    name = paper_name(title)
    return bool(name) and set(name) <= asked


def names_paper(question: QuestionProfile, title: str, sentences: list[str]) -> bool:
    """Whether the question calls the paper by its name: its title's ("the 7B Gemma model") or
    the one its abstract (``sentences``) keeps using for its contribution (``own_name``:
    "AlgoPerf")."""
    if calls_by_name(question, title):
        return True
    name = own_name(sentences, title)
    return name is not None and name.written_in(question.text)


def names_found(question: QuestionProfile, sources: list[Source]) -> bool:
    """Whether a retrieved abstract mentions one of the names the question writes (none
    written: True)."""
    return not question.names or any(
        n.found_in(text_words(f"{src.title} {src.abstract}")) for src in sources for n in question.names)


def slot_fillers(question: QuestionProfile, sources: list[Source], sentences: list[Scored]) -> dict[int, Scored]:
    """Each paper's best-ranked sentence that states the asked-for slot (none asked: empty)."""
    if question.slot is None:
        return {}
    titles = {s.n: s.title for s in sources}
    out: dict[int, Scored] = {}
    for s in sentences:
        if s.n not in out and question.slot.filled_by(s.text, question.text, titles.get(s.n, "")):
            out[s.n] = s
    return out


def features(
    question: QuestionProfile,
    retrieval: Retrieval,
    sentences: list[Scored],
    fillers: dict[int, Scored] | None = None,
    lead: int | None = None,
    soft_coverage: float = 0.0,
    subject: Source | None | Literal["find"] = "find",
) -> tuple[dict[str, float], Source | None, Scored | None]:
    """``fillers``: ``slot_fillers`` of these sentences, when the caller has them already.
    ``lead``: the paper an unnamed question's answer leads with (default: the best sentence's).
    ``soft_coverage``: ``rag.coverage`` of the question by the top paper (0 when not measured).
    ``subject``: ``subject_source`` of these sources, when the caller found it already."""
    sources = retrieval.sources
    if fillers is None:
        fillers = slot_fillers(question, sources, sentences)
    if isinstance(subject, str):
        subject = subject_source(question, sources)
    names_missing = subject is None and not names_found(question, sources)
    filler = None
    slot_missing = False
    if question.kind == "factoid" and question.slot is not None and sentences:
        # The slot is filled by a sentence of the paper the question is about: the named one,
        # or the one whose sentence reads best. A figure from another paper does not count.
        filler = fillers.get(subject.n if subject else (lead if lead is not None else sentences[0].n))
        slot_missing = filler is None
    f = {
        "relevance": float(retrieval.top_relevance),
        "reading": max((s.learned for s in sentences), default=0.0),
        "similarity": max((s.similar for s in sentences), default=0.0),
        "coverage": float(retrieval.coverage),
        "soft_coverage": float(soft_coverage),
        "names_missing": float(names_missing),
        "slot_missing": float(slot_missing),
    }
    return f, subject, filler


def lead_order(sources: list[Source], sentences: list[Scored], rank_step: float,
               covered: dict[int, float] | None = None, weight: float = 0.0) -> list[int]:
    """The papers that have evidence sentences, the one an answer should lead with first: its
    best sentence's reading score, less ``rank_step`` per place below the top of the retrieval
    ranking, plus ``weight`` times how much of the question the paper covers (``covered``:
    ``rag.coverage`` scores of the top papers, by source number). A sentence that reads well can
    sit in a paper about something else; the ranking and the coverage saw the whole abstract."""
    best: dict[int, float] = {}
    for s in sentences:
        best.setdefault(s.n, s.score)
    place = {src.n: i for i, src in enumerate(sources)}
    covered = covered or {}
    return sorted(best, key=lambda n: best[n] - rank_step * place.get(n, len(place)) + weight * covered.get(n, 0.0),
                  reverse=True)


def probability(f: dict[str, float], s: EvidenceSettings) -> float:
    z = s.bias + sum(s.weights.get(k, 0.0) * f[k] for k in FEATURES if k in f and s.uses(k))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def decide(
    question: QuestionProfile,
    retrieval: Retrieval,
    sentences: list[Scored],
    settings: EvidenceSettings,
    *,
    follow_up: bool = False,
    soft: Coverage = Coverage(),  # noqa: B008 - frozen, never mutated
    covered: dict[int, float] | None = None,
    subject: Source | None | Literal["find"] = "find",
) -> Evidence:
    """``follow_up``: the sources are the papers a follow-up refers to, not a search's guess.
    ``soft``: ``rag.coverage`` of the question by the top paper (empty when not measured).
    ``covered``: the coverage of the top few papers, for the lead (``lead_order``).
    ``subject``: ``subject_source`` of the sources, when the caller found it already."""
    fillers = slot_fillers(question, retrieval.sources, sentences)
    if isinstance(subject, str):
        subject = subject_source(question, retrieval.sources, by=settings.subject_by)
    papers = lead_order(retrieval.sources, sentences, settings.rank_step, covered, settings.lead_coverage)
    f, subject, filler = features(question, retrieval, sentences, fillers, papers[0] if papers else None,
                                  soft.score, subject)
    p = probability(f, settings)
    if not retrieval.sources or not sentences:
        verdict: Verdict = "refuse"
    elif p >= settings.answer_at and not (settings.slot_caps_answer and f["slot_missing"]):
        verdict = "answer"
    elif p >= settings.weak_at or (follow_up and not settings.refuse_follow_ups):
        verdict = "weak"
    else:
        verdict = "refuse"
    return Evidence(
        verdict=verdict,
        confidence=round(p, 4),
        reason=_reason(verdict, question, retrieval, sentences, f, subject, p, settings.far_below, follow_up,
                       papers[0] if papers else None, soft.uncovered),
        sentences=sentences,
        subject=subject.n if subject else None,
        slot_filler=filler,
        fillers=fillers,
        papers=papers,
        features=f,
    )


def missing_note(question: QuestionProfile, evidence: Evidence) -> str:
    """For a generative prompt: the source the question is about and the slot its check found
    missing ("No sentence of Source [1] clearly answers the question: if it does not, say so …");
    "" when nothing was missing. Worded as the check reads, not as a fact (such answers held the
    key fact 9 times in 23 on the dev splits): the model still reads the source. The question's
    words stay in the framed question, not in the instructions."""
    if not evidence.features.get("slot_missing") or question.slot is None:
        return ""
    about = evidence.subject if evidence.subject is not None else (evidence.papers[0] if evidence.papers else None)
    if about is None:
        return ""
    return (f"No sentence of Source [{about}] clearly answers the question: if it does not, "
            "say so rather than give another source's figure.")


def _reason(
    verdict: Verdict,
    question: QuestionProfile,
    retrieval: Retrieval,
    sentences: list[Scored],
    f: dict[str, float],
    subject: Source | None,
    p: float,
    far_below: float,
    follow_up: bool = False,
    lead: int | None = None,
    uncovered: tuple[str, ...] = (),
) -> str:
    k = len(retrieval.sources)
    if verdict == "answer":
        return ""
    if not retrieval.sources or not sentences:
        return "nothing in the collection was retrieved for this question."
    if follow_up and verdict == "weak":
        about = " and ".join(f"“{s.title}”" for s in retrieval.sources[:3])
        return (f"Weak evidence: no sentence of {about} clearly answers this follow-up (confidence "
                f"{p:.2f}); the sentences that read closest are shown.")
    if f["names_missing"]:
        named = " or ".join(n.text for n in question.names)
        what = f"none of the {k} most relevant abstracts mentions {named}"
    elif f["slot_missing"] and question.slot is not None:
        first = lead if lead is not None else sentences[0].n
        about = subject or next(s for s in retrieval.sources if s.n == first)
        # "no sentence clearly states", not "does not state": the check reads the slot's words
        # next to a figure, and such answers held the key fact 9 times in 23 on the dev splits
        what = f"no sentence of “{about.title}” clearly {question.slot.describe()}"
    elif uncovered and verdict == "refuse":
        # what the closest paper says nothing about, in the question's words; on a refusal only:
        # an answerable question also has words no token matches ("went", "say": 107 of 109 dev
        # questions have one), and a weak answer would then name them as missing
        words = ", ".join(f"“{w}”" for w in uncovered)
        what = f"nothing in the closest paper, “{retrieval.sources[0].title}”, is about {words}"
    elif f["relevance"] < far_below:
        what = f"no passage is close to the question (best similarity {f['relevance']:.2f})"
    else:
        what = f"no sentence of the {k} most relevant abstracts clearly answers it"
    if verdict == "refuse":
        return f"The collection does not seem to cover this question: {what} (confidence {p:.2f})."
    return f"Weak evidence: {what} (confidence {p:.2f}); the closest passages are shown below."

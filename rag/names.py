"""Names a question mentions, and whether the retrieved papers mention any of them.

Similarity cannot tell a question about the collection from one about a neighbouring topic it
does not cover: "Which GNN is best on METR-LA?" scores 0.53 against traffic-forecasting papers
that never mention METR-LA. Names are the tell. A question that names things (acronyms,
CamelCase, alphanumerics: "METR-LA", "CycleGAN", "A100") and none of which any retrieved
abstract mentions is about something the collection does not cover. One name found is enough
to keep answering: "JPEG" as context beside a found "CIFAR" is not the question's subject.

Only names written as names are seen: "Mamba" or "Adam" look like any capitalised word,
quantities ("175B", "8x") are numbers, and acronyms that are vocabulary ("URL", "GPU", "LLM")
are words anyone may use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.+^]|-(?=[A-Za-z0-9]))*")
_ALNUM = re.compile(r"[a-z0-9]+")
# Acronyms that are vocabulary, not names: a question can use them for anything.
_VOCABULARY = frozenset(
    """
    ai ml nlp cv rl dl llm gpu tpu cpu ram api url html pdf json xml sql http csv gb mb tb kb
    flop flops fps io os id ui ux qa sota faq gui ocr iot
    """.split()
)
_FUNCTION_WORDS = frozenset("of from for the and to in on with by a an".split())
# Three or more capitalised words, function words allowed between them.
_TITLE_RUN = re.compile(
    rf"\b[A-Z][\w-]*(?:\s+(?:(?:{'|'.join(sorted(_FUNCTION_WORDS))})\s+)?[A-Z][\w-]*){{2,}}"
)
_QUANTITY = re.compile(r"^\d+(?:\.\d+)?(?:[kmbt]|x|bit)?$", re.I)


@dataclass(frozen=True)
class Name:
    """A name as the question writes it ("METR-LA") and the forms a text must contain."""

    text: str
    parts: tuple[str, ...]  # lower-cased name parts, all of which must occur ("metr", "la")
    joined: str  # the whole name without separators ("metrla"), enough on its own

    def found_in(self, words: Set[str]) -> bool:
        return self.joined in words or all(p in words for p in self.parts)

    def written_in(self, text: str) -> bool:
        """Whether ``text`` mentions this name as a name: an acronym in capitals, perhaps with a
        version after it ("YOLO" in "YOLOv8"; "US" is not the "us" of "let us"), anything else
        as ``found_in`` its words."""
        if self.text.isupper():
            return re.search(rf"(?<![A-Za-z0-9]){re.escape(self.text)}(?:s?(?![a-z])|v?\d)", text) is not None
        return self.found_in(text_words(text))


def question_names(question: str) -> list[Name]:
    """The names ``question`` mentions, in order, without repeats."""
    out: dict[str, Name] = {}
    for word in _WORD.findall(question):
        word = word.rstrip(".").removesuffix("'s")
        pieces = word.split("-")
        named = [p for p in pieces if _is_name(p)]
        if not named and len(pieces) > 1 and word[0].isupper() and _is_name(word.replace("-", "")):
            named = pieces  # "Llama-2", "Mistral-7B": names only as a whole ("sub-1M-parameter" is not)
        parts = tuple(x for p in named for x in _ALNUM.findall(_singular(p).lower()))
        if parts:
            joined = "".join(_ALNUM.findall(_singular(word).lower()))
            out.setdefault(joined, Name(word, parts, joined))
    return list(out.values())


@lru_cache(maxsize=4096)
def text_words(text: str) -> frozenset[str]:
    """Every lower-cased word of ``text``, hyphenated words joined ("metr-la" → "metrla"), and
    the acronyms that compounds and Title Case phrases spell ("mixture-of-experts" → "moe",
    "Reinforcement Learning from Human Feedback" → "rlhf"): abstracts often write out what a
    question abbreviates. Only those two forms, because three initials anywhere in a few
    hundred words would match most acronyms by chance. Cached: every question asks it of the
    same few hundred abstracts."""
    words = set(_ALNUM.findall(text.lower()))
    for w in _WORD.findall(text):
        if "-" in w or "." in w:
            words.add("".join(_ALNUM.findall(w.lower())))
        if "-" in w:
            words |= _initials(w.split("-"))
    for run in _TITLE_RUN.finditer(text):
        words |= _initials(run.group().replace("-", " ").split())
    return frozenset(words)


def _initials(phrase: list[str]) -> set[str]:
    """The acronyms a phrase spells, with and without its function words' initials."""
    pieces = [p for p in phrase if p and p[0].isalpha()]
    full = "".join(p[0] for p in pieces).lower()
    content = "".join(p[0] for p in pieces if p.lower() not in _FUNCTION_WORDS).lower()
    return {a for a in (full, content) if len(a) >= 3}


def _is_name(part: str) -> bool:
    """An acronym, CamelCase or alphanumeric word: "LA", "CycleGAN", "A100", "ViTs"."""
    if len(part) < 2 or not any(c.isalpha() for c in part) or _QUANTITY.match(part):
        return False
    if _singular(part).lower() in _VOCABULARY:
        return False
    return any(c.isupper() for c in part[1:]) or any(c.isdigit() for c in part)


def _singular(word: str) -> str:
    # "ViTs", "GPUs", "LLMs": a plural acronym is the acronym
    return word[:-1] if len(word) > 2 and word.endswith("s") and word[-2].isupper() else word


def own_name(sentences: Sequence[str], title: str) -> Name | None:
    """The name a paper keeps using for what it proposes ("AlgoPerf", "GFSLT-VLP"): the name
    (acronym, CamelCase, alphanumeric) its abstract writes in the most sentences, two at least,
    that its title does not already show; None when there is none."""
    in_title = text_words(title)
    counts: dict[Name, int] = {}
    for name in question_names(" ".join(sentences)):
        if not name.found_in(in_title):
            counts[name] = sum(name.written_in(s) for s in sentences)
    best = max(counts, key=lambda n: counts[n], default=None)
    return best if best is not None and counts[best] >= 2 else None

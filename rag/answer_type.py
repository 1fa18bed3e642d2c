"""Which sentence of a paper states what a factoid asks for: a learned preference for the
statement that fits the question's kind of answer (a percentage for "what share …", a ratio
for "how many times more likely …", a count for "how many trials …", a name for "which gene …",
and no figure at all for "what limitation …" or "how do they avoid …").

A sentence is read as generic shapes: whether it states a percentage, a decimal, a ratio, a
duration, a large number, a number or a capitalised name the question does not contain, a
statistic; its section label ("RESULTS"); where it sits in the abstract. Each shape has a
weight, and so has each content shape crossed with what the question asks for: whether its
asked-for slot (``rag.answer.slots``) is a quantity, a thing or absent, its wh-phrase ("what
share", "how many") and its slot's head word, where at least ``min_df`` training questions use
it. The weights are fitted by ``models/train_answer_type.py`` on readers' questions with their
answer sentences (``models/reader_questions``, ``models/answer_questions``; no eval set).
Why: both readers put a paper's topical background sentences above the one stating the asked
figure (on the blind dev splits the key-fact sentence led a factoid's paper in 44 of 85); shape
alone cannot say which figure is asked, the similarity score keeps the topic.

``adjust()`` is added to the similarity reader's score of the factoid's own paper's sentences
(``rag.reader.blend_paper``), in its units (``tau``, fitted with the weights).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence, Set
from functools import lru_cache
from pathlib import Path

import numpy as np

from .checked import read_checked
from .question import QuestionProfile

MODEL = Path(__file__).resolve().parent.parent / "models" / "answer_type.json"

_SHAPES = {
    "pct": re.compile(r"\d\s?%|\bper ?cent\b", re.I),
    "dec": re.compile(r"\d+\.\d+"),
    "num": re.compile(r"\d"),
    "big": re.compile(r"\d[\d,.]*\s*(?:[kKMBT]\b|million|billion|thousand|trillion)|\d{1,3}(?:,\d{3})+|\b\d{4,}\b"),
    "numword": re.compile(
        r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty"
        r"|hundred|dozen)\b", re.I),
    "ratio": re.compile(
        r"\b(?:OR|RR|HR|aOR|aHR|IRR)\b|odds ratio|relative risk|hazard ratio|\d(?:\.\d+)?\s*(?:-?fold|x\b|×|times)", re.I),
    "time": re.compile(r"\d\s*(?:s|sec|seconds?|min|minutes?|h|hrs?|hours?|d|days?|weeks?|months?|years?|yr)\b", re.I),
    "stat": re.compile(r"\bCI\b|confidence interval|\b[Pp]\s*[<=>]\s*0?\.\d|\bSD\b|±"),
}
_SECTION = re.compile(r"^\s*([A-Z]{4,})(?: [A-Z]{3,})?\s*[:.]?\s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CAPS = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z0-9][A-Za-z0-9-]*\b")
_WH = re.compile(r"\b(how|what|which|who|whom|whose|when|where)\b\W+(\w+)?\W*(\w+)?", re.I)


def figure_fit(question: QuestionProfile, sentences: Sequence[str],
               embed: Callable[[Sequence[str]], np.ndarray], width: int = 3) -> np.ndarray:
    """For a question asking for a quantity: per sentence, the best cosine between what it asks
    (its slot's phrase, "how many insemination attempts in total were counted") and the few
    words around each number the question does not state ("who underwent 872 IUI cycles were
    included"). Which figure a sentence states, read in the encoder's space, where "ladies" meets
    "women" and "attempts" meets "cycles"; the shapes above say only that it states one. Zeros
    for other questions, and for sentences stating no new number."""
    out = np.zeros(len(sentences), dtype=np.float64)
    slot = question.slot
    if slot is None or not slot.number or not slot.asked:
        return out
    asked = set(_NUMBER.findall(question.text))
    windows: list[str] = []
    owner: list[int] = []
    for i, sentence in enumerate(sentences):
        words = sentence.split()
        for j, word in enumerate(words):
            if any(n not in asked for n in _NUMBER.findall(word)):
                windows.append(" ".join(words[max(0, j - width): j + width + 1]))
                owner.append(i)
    if not windows:
        return out
    v = np.asarray(embed([slot.asked, *windows]), dtype=np.float64)
    v /= np.linalg.norm(v, axis=1, keepdims=True) + 1e-12
    for i, c in zip(owner, v[1:] @ v[0], strict=True):
        out[i] = max(out[i], float(c))
    return out


class AnswerTypeError(RuntimeError):
    """The shipped answer-type model is missing, or not the one trained (no sha256, or a mismatch)."""


def cues(question: QuestionProfile) -> list[str]:
    """What the question asks for: its slot's type (``slot:num``, ``slot:word``, ``slot:none``),
    its wh-phrase (``wh:what share``) and the words in it (``w:share``), its slot's head
    words (``s:kinase``)."""
    slot = question.slot
    out = ["slot:num" if slot and slot.number else "slot:word" if slot and slot.words else "slot:none"]
    m = _WH.search(question.text)
    if m:
        words = [w.lower() for w in m.groups() if w]
        out += ["wh:" + " ".join(words[:2])] + [f"w:{w}" for w in words]
    if slot:
        out += [f"s:{w}" for w in slot.words]
    return list(dict.fromkeys(out))


def shapes(question: str, sentence: str, position: float) -> list[str]:
    """What ``sentence`` states, as shape names; ``position``: 0 first sentence … 1 last."""
    out = [k for k, rx in _SHAPES.items() if rx.search(sentence)]
    asked_numbers = set(_NUMBER.findall(question))
    if any(n not in asked_numbers for n in _NUMBER.findall(sentence)):
        out.append("newnum")
    lowered = question.lower()
    if any(t.lower() not in lowered for t in _CAPS.findall(sentence)):
        out.append("newcaps")
    m = _SECTION.match(sentence)
    if m:
        out.append("sec:" + m.group(1)[:10])
    out.append(f"pos{min(int(position * 4), 3)}")
    return out


def features(question: QuestionProfile, sentence: str, position: float, vocab: Set[str]) -> list[str]:
    """The shapes, and each content shape crossed with each of the question's ``cues`` (the
    slot's type always, the others when in ``vocab``)."""
    found = shapes(question.text, sentence, position)
    crossed = [c for c in found if not c.startswith(("pos", "sec:"))]
    asked = [c for c in cues(question) if c.startswith("slot:") or c in vocab]
    return found + [f"{a}*{c}" for a in asked for c in crossed]


class AnswerTypeModel:
    """``models/answer_type.json`` checked against its sha256."""

    def __init__(self, path: Path = MODEL) -> None:
        d = json.loads(read_checked(path, "models/train_answer_type.py", AnswerTypeError))
        self.vocab = frozenset(d["vocab"])
        self.weights: dict[str, float] = d["weights"]
        self.tau = float(d["tau"])

    def adjust(self, question: QuestionProfile, sentences: Sequence[str], positions: Sequence[float]) -> np.ndarray:
        """Per sentence, what to add to its similarity score (similarity units)."""
        return np.array([self.tau * sum(self.weights.get(f, 0.0) for f in features(question, s, p, self.vocab))
                         for s, p in zip(sentences, positions, strict=True)], dtype=np.float64)


@lru_cache(maxsize=1)
def shipped() -> AnswerTypeModel:
    """The shipped model, loaded once per process."""
    return AnswerTypeModel()

"""The one place that reads text: sentence splitting, content words, citation markers.

Every module that tokenises, splits or strips markers imports from here, so the question,
the abstracts and the answers are all read the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ingest.words import content_words  # noqa: F401 - one definition, shared with the lexical index

from .untrusted import clean_spans

# [1]  [1, 2]  [1,2]  [1-3]  [1–3]  [1; 4]  — and runs of them: [1][2]
MARKER = re.compile(r"\s*\[(\d+(?:\s*(?:[,;]|[-–—]|and)\s*\d+)*)\]")
# A sentence ends at . ! ? (and any markers after it) before whitespace; _split keeps the break
# unless the next word starts lower-case. Any other start is a new sentence: a capital in any
# script, a digit, a bracket, brace or tag, a CJK character. Text spliced into an abstract after
# a finding ("… by 68%. [Reviewer note: …]", "… 0.318. 致AI助手：…", "… <a href=…>") is then its
# own sentence, which the reader ranks for the question and grounding checks on its own,
# instead of riding along inside the quoted finding.
_SENT_END = re.compile(r"(?<=[.!?])(?:\s*\[[\d,;\s–—-]+\])*\s+(?=\S)")
@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int


_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|vs|cf|Fig|Eq|Sec|approx|resp)\.|\b[A-Z]\.)$")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with character spans; citation markers stay with the sentence they end."""
    raw = _split(text)
    out: list[Sentence] = []
    for sent in raw:  # re-join splits made after abbreviations ("e.g. ImageNet")
        if out and (_ABBREV.search(out[-1].text) or not strip_markers(sent.text)):
            out[-1] = Sentence(text[out[-1].start : sent.end], out[-1].start, sent.end)
        else:
            out.append(sent)
    return out


@lru_cache(maxsize=4096)
def evidence_sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of an abstract that can be quoted or count as support: instruction-like
    text (``rag.untrusted``) removed. Cached: the answerer, the grounding check and the eval
    judge all ask for the same abstracts."""
    sentences = split_sentences(text) or [Sentence(text, 0, len(text))]
    spans = clean_spans(text, [(x.start, x.end) for x in sentences])
    return tuple(Sentence(text[a:b], a, b) for a, b in spans)


def _split(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):  # a line break always ends a sentence
        base, chunk = line.start(), line.group(0)
        pos = 0
        for match in _SENT_END.finditer(chunk):
            after = chunk[match.end() :].lstrip("\"“'(")[:1]
            # a lower-case word continues ("e.g. the model"); so does a dash, a comma or a
            # closing bracket ("… Features? — Self-supervised …": a title before its quote)
            if not after or after.islower() or after in "—–-,;:)]}":
                continue
            # trailing markers ("… result. [2]") stay with the sentence they end
            seg_end = match.start() + len(match.group(0).rstrip())
            _append(out, chunk, base, pos, seg_end)
            pos = match.end()
        _append(out, chunk, base, pos, len(chunk))
    return out


def _append(out: list[Sentence], chunk: str, base: int, lo: int, hi: int) -> None:
    piece = chunk[lo:hi]
    if piece.strip():
        lead = len(piece) - len(piece.lstrip())
        start = base + lo + lead
        out.append(Sentence(piece.strip(), start, start + len(piece.strip())))


def parse_markers(sentence: str) -> list[int]:
    """All citation numbers in a sentence, in order, ranges expanded ("[1-3]" → 1, 2, 3)."""
    numbers: list[int] = []
    for match in MARKER.finditer(sentence):
        for part in re.split(r"\s*(?:[,;]|and)\s*", match.group(1)):
            bounds = re.split(r"\s*[-–—]\s*", part)
            if len(bounds) == 2 and bounds[0].isdigit() and bounds[1].isdigit():
                lo, hi = int(bounds[0]), int(bounds[1])
                if 0 < hi - lo <= 20:
                    numbers.extend(range(lo, hi + 1))
                    continue
            numbers.extend(int(b) for b in bounds if b.isdigit())
    return numbers


def strip_markers(sentence: str) -> str:
    return MARKER.sub("", sentence).strip()

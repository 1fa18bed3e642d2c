"""Content words and sentences: the one tokenisation and the one sentence splitter.

They live in the ingest layer because ingest needs them too (the lexical index stores each
paper's content words; the chunker cuts at the sentences the answerer quotes); ``rag.text``
re-exports them for everything that reads questions and abstracts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-\.%]*[A-Za-z0-9%]|[A-Za-z0-9]")
# what content words leave out: function words and paper talk
STOP_WORDS = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have how
    in into is it its of on or our such that the their them these they this those to was we were
    what when where which while who why will with would paper papers study work propose proposed
    approach method methods show shows shown results also than then there using use used based""".split()
)


@lru_cache(maxsize=8192)
def content_words(text: str) -> frozenset[str]:
    """Cached: the grounding check and the reader compare every claim with every sentence."""
    return frozenset(w for _, _, w in content_word_spans(text))


def content_word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each content word of ``text`` where it is written: (start, end, lower-cased word)."""
    out = []
    for m in _WORD.finditer(text):
        w = m.group().lower().rstrip(".")
        if w not in STOP_WORDS and (len(w) > 2 or any(c.isdigit() for c in w)):
            out.append((m.start(), m.end(), w))
    return out


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


_NEXT = re.compile(r"[\"“'(]*(.?)", re.S)
_ABBREV = re.compile(r"(?:\b(?:e\.g|i\.e|et al|vs|cf|Fig|Eq|Sec|approx|resp)\.|\b[A-Z]\.)$")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with character spans; citation markers stay with the sentence they end."""
    raw = _split(text)
    out: list[Sentence] = []
    for sent in raw:  # re-join splits made after abbreviations ("e.g. ImageNet")
        # only the sentence's end can be an abbreviation (a search of the whole growing
        # sentence made a run of "A. A. A." quadratic)
        if out and (_ABBREV.search(out[-1].text[-24:]) or not strip_markers(sent.text)):
            out[-1] = Sentence(text[out[-1].start : sent.end], out[-1].start, sent.end)
        else:
            out.append(sent)
    return out


def strip_markers(sentence: str) -> str:
    return MARKER.sub("", sentence).strip()


def _split(text: str) -> list[Sentence]:
    out: list[Sentence] = []
    for line in re.finditer(r"[^\n]+", text):  # a line break always ends a sentence
        base, chunk = line.start(), line.group(0)
        pos = 0
        for match in _SENT_END.finditer(chunk):
            after = _NEXT.match(chunk, match.end()).group(1)  # the next word's first letter
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

"""A question's mistyped words read as the words they were meant to be, before it is analysed.

People type into a chat box: "wich paper finetunes a trasnformer w/ fewer paramters". A word the
collection never writes and English does not know finds no passage by its letters (BM25), splits
into odd wordpieces for the encoder, and hides the question's kind ("wich paper") from the
patterns that read it. On the blind dev splits with two slips a question (``bench/typos.py``),
factoid key facts fell 105 -> 91 of 150 and false refusals rose 4 -> 17 of 328 (README, stop 46).

A word stays as typed when the collection writes it (a paper's content words in the lexical
index, or a function word such as "which"), when English has it (pyspellchecker's dictionary of
160,000 words: "rabies", "login" and "filler" are words whatever the collection is about; or one
token of tiktoken's cl100k vocabulary, for newer words), or when it is the plural or British
spelling of one of those. Names, acronyms, numbers and hyphenated terms are never touched.
Otherwise it becomes a word one typing slip away (``edits``) that at least ``min_papers`` papers
write, weighing how many do against how likely the slip is; else the English word one slip away
weighed the same way by how often English writes it, if at least ``common`` times. Nothing else:
a word two slips away, or one no candidate explains, stays as typed (a topic the collection lacks
must stay absent).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

from ingest.tokens import encoding

from .text import STOP_WORDS

# what each kind of slip (``edits``) costs, in tenfolds of papers writing the word: a letter left
# out or two swapped are the common slips, an added or changed letter rarer
_SLIP = (0.0, 0.0, 0.5, 1.0)
# a lower-case or capitalised alphabetic word of four or more letters standing alone (not inside
# a hyphenated, dotted or numbered term, which are names and measures)
_WORD = re.compile(r"(?<![\w.\-/])[A-Za-z][a-z]{3,}(?![\w\-/]|\.\w)")


@lru_cache(maxsize=1)
def english() -> dict[str, int]:
    """English words and how often each is written: pyspellchecker's word-frequency dictionary
    (160,000 words, shipped in its wheel; nothing is downloaded)."""
    from spellchecker import SpellChecker

    return SpellChecker(language="en", distance=1).word_frequency.dictionary


_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_AT = {c: (r, i) for r, row in enumerate(_ROWS) for i, c in enumerate(row)}


def near(a: str, b: str) -> bool:
    """Could a finger aiming at ``a`` hit ``b``: the same key, or a neighbouring one (QWERTY)?"""
    if a == b:
        return True
    if a not in _AT or b not in _AT:
        return False
    (ra, ia), (rb, ib) = _AT[a], _AT[b]
    # each row sits half a key right of the one above: above (r-1, i) and (r-1, i+1), below
    # (r+1, i-1) and (r+1, i)
    return (rb == ra and abs(ib - ia) == 1) or (rb == ra - 1 and ib - ia in (0, 1)) \
        or (rb == ra + 1 and ib - ia in (-1, 0))


def web_word(word: str) -> bool:
    """Is ``word`` (five letters or more) one token of tiktoken's cl100k vocabulary, learnt from
    web text: newer words a dictionary lacks ("vaping", "vocab")? A slip rarely is one: 4 of the
    887 slips ``bench/typos.py`` made in the dev questions were, all of them real words ("trail")."""
    return len(word) >= 5 and len(encoding().encode(" " + word)) == 1


def edits(word: str) -> dict[str, int]:
    """The words ``word`` may have been meant as, one typing slip away, each with the kind of slip
    (lower is likelier): a letter left out (0), two neighbours swapped (1), a letter hit twice or
    a neighbouring key hit as well (2), a neighbouring key hit instead, or one vowel for another
    (3). Slips a hand does not make (a 'v' for an 'r') are not considered: a word the collection
    lacks must not turn into one it has."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    vowels = "aeiou"
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out: dict[str, int] = {}
    made: list[tuple[int, str]] = [(0, a + c + b) for a, b in splits for c in letters]
    made += [(1, a + b[1] + b[0] + b[2:]) for a, b in splits if len(b) > 1]
    made += [(2, a + b[1:]) for a, b in splits if b
             and ((a and near(a[-1], b[0])) or (len(b) > 1 and near(b[1], b[0])))]
    made += [(3, a + c + b[1:]) for a, b in splits if b for c in letters
             if c != b[0] and (near(c, b[0]) or (c in vowels and b[0] in vowels))]
    for cls, w in made:
        if w != word and (w not in out or cls < out[w]):
            out[w] = cls
    return out


# British spellings an American dictionary lacks: a word is English when its American form is
_BRITISH = ((re.compile(r"is(e|ed|es|ing|ation|ations|er|ers)$"), r"iz\1"), (re.compile(r"our(s?)$"), r"or\1"),
            (re.compile(r"tre(s?)$"), r"ter\1"), (re.compile(r"ogue(s?)$"), r"og\1"))


def forms(word: str) -> set[str]:
    """``word`` and the forms a dictionary or a collection may write it in: without a plural
    "s" or "es", and in American spelling."""
    out = {word, word[:-1] if word.endswith("s") else "", word[:-2] if word.endswith("es") else ""}
    return {w for w in out | {p.sub(r, word) for p, r in _BRITISH} if w}


class Speller:
    """``correct(text)``: ``text`` with its mistyped words replaced (see the module)."""

    def __init__(self, papers_with: Callable[[str], int], papers: Callable[[], int],
                 min_papers: int = 2, common: int = 1000) -> None:
        self.papers_with = papers_with  # how many papers of the collection write a word
        self.papers = papers  # how many papers it has
        self.min_papers = min_papers
        self.common = common
        self.english = english()

    def written(self, word: str) -> int:
        """Papers that write ``word``; a function word ("which", "paper"), which the content
        words leave out, counts as written by all."""
        return self.papers() if word in STOP_WORDS else self.papers_with(word)

    def known(self, word: str) -> bool:
        return any(w in self.english or self.written(w) > 0 for w in forms(word)) or web_word(word)

    def meant(self, word: str) -> str | None:
        """The word ``word`` (lower case) was meant to be, or None when it stands as typed."""
        if self.known(word):
            return None
        candidates = edits(word)
        if len(word) < 5:  # a short word is one slip from many: only a function word ("wich") is fixed
            candidates = {c: k for c, k in candidates.items() if c in STOP_WORDS}
        # how many papers write it (in tenfolds), less how unlikely the slip is ("modle": "model",
        # two letters swapped, written by 659 papers, over "module", a letter left out, by 47);
        # ties: the commoner English word
        written = [(_SLIP[cls] - math.log10(n), -self.english.get(c, 0), c) for c, cls in candidates.items()
                   if (n := self.written(c)) >= self.min_papers]
        if written:
            return min(written)[2]
        # a word the collection does not write: the English word the slip most likely came from,
        # if a common one (written at least ``common`` times in the dictionary's sources)
        common = [(_SLIP[cls] - math.log10(n), c) for c, cls in candidates.items()
                  if (n := self.english.get(c, 0)) >= self.common]
        return min(common)[1] if common else None

    def correct(self, text: str) -> str:
        def fix(m: re.Match[str]) -> str:
            typed = m.group(0)
            before = text[: m.start()]
            if typed[0].isupper() and before.strip(" \t\"'(“‘") and not re.search(r"[.!?:]\s*$", before):
                return typed  # a capitalised word inside a sentence is a name
            meant = self.meant(typed.lower())
            if meant is None:
                return typed
            return meant.capitalize() if typed[0].isupper() else meant

        return _WORD.sub(fix, text)

"""Content words: the one tokenisation for the coverage statistic and the question profile.

It lives in the ingest layer because the lexical index stores each paper's content words at
ingest; ``rag.text`` re-exports it for everything that reads questions and abstracts.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-\.%]*[A-Za-z0-9%]|[A-Za-z0-9]")
_STOP = frozenset(
    """a an and are as at be been being but by can could did do does for from had has have how
    in into is it its of on or our such that the their them these they this those to was we were
    what when where which while who why will with would paper papers study work propose proposed
    approach method methods show shows shown results also than then there using use used based""".split()
)


def content_words(text: str) -> set[str]:
    words = {w.lower().rstrip(".") for w in _WORD.findall(text)}
    return {w for w in words if w not in _STOP and (len(w) > 2 or any(c.isdigit() for c in w))}

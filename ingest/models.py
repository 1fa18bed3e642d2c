"""Plain records that cross the ingest boundary."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field

_WS = re.compile(r"\s+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def clean_text(text: str) -> str:
    """Collapse whitespace (arXiv titles span lines, abstracts start indented)."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def normalize_key(text: str) -> str:
    """Case-, punctuation- and whitespace-insensitive form used for identity and dedupe."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def short_hash(*parts: str, length: int = 16) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass
class Paper:
    """One paper: title + abstract, plus whatever metadata the source had.

    ``paper_id`` is stable: the source's own id when it has one, otherwise a hash of the
    normalized title, so the same paper read from two files (or twice) is one paper.
    """

    title: str
    abstract: str
    paper_id: str = ""
    sources: list[str] = field(default_factory=list)
    line: int = 0
    metadata: dict[str, str | int | float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.title = clean_text(self.title)
        self.abstract = clean_text(self.abstract)
        if not self.paper_id:
            self.paper_id = "t-" + short_hash(normalize_key(self.title))

    @property
    def content_hash(self) -> str:
        """Changes exactly when the embedded content changes."""
        return short_hash(normalize_key(self.title), normalize_key(self.abstract))

    @property
    def meta_hash(self) -> str:
        """Changes when the metadata (authors, year, …) changes: rewritten without re-embedding."""
        return short_hash(json.dumps(self.metadata, sort_keys=True, default=str))


_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|2\d\d\d)(?!\d)")


def paper_year(metadata: dict) -> int | None:
    """The paper's year as the readers found it: ``year`` (2021, "2021"), else the year of
    ``update_date`` (the arXiv snapshot's "2023-05-01"); None when neither says. Stored as the
    integer ``pub_year`` so a year filter is a numeric Chroma ``where``."""
    for key in ("year", "update_date"):
        value = metadata.get(key)
        if isinstance(value, bool) or value in (None, ""):
            continue
        if isinstance(value, (int, float)) and 1800 <= int(value) <= 2999:
            return int(value)
        match = _YEAR.search(str(value))
        if match:
            return int(match.group(1))
    return None


@dataclass(frozen=True)
class Skipped:
    """A record the reader could not use, with where and why."""

    source: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.reason}"


def chunk_id_for(paper_id: str, number: int) -> str:
    """A chunk's id: its paper's id and its place in the abstract. The first chunk (0) also
    carries the paper's whole abstract in its metadata."""
    return f"{paper_id}#{number}"


def paper_of(chunk_id: str) -> str:
    """The paper a chunk id (``chunk_id_for``) belongs to."""
    return chunk_id.rsplit("#", 1)[0]


@dataclass(frozen=True)
class Chunk:
    """A piece of one abstract, as embedded: ``text`` starts with the paper title."""

    chunk_id: str
    paper_id: str
    chunk_no: int
    n_chunks: int
    text: str
    start: int  # character span of the chunk's body within the abstract
    end: int

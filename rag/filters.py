"""Filters: which papers a question may be answered from (by year, by author).

One predicate, applied identically to both halves of retrieval: a Chroma ``where`` for the
dense half (the integer ``pub_year`` the ingest stores, and the matching paper ids for an
author) and the same year range and paper ids inside the lexical index's query. A filter that
matches no paper is said so plainly (``NoMatchingPapers``), not refused as irrelevant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ingest.models import normalize_key, paper_year


class FilterError(ValueError):
    """A filter the user gave is malformed; the message names the field."""


class NoMatchingPapers(FilterError):
    """The filter is valid but no paper in the index passes it."""


@dataclass(frozen=True)
class Filters:
    since: int | None = None  # first year included
    until: int | None = None  # last year included
    author: str = ""  # case- and punctuation-insensitive part of the author list

    @classmethod
    def parse(cls, value: Filters | Mapping | None) -> Filters | None:
        """From the API's ``{"year": (2022, None) | 2022, "author": "Vaswani"}`` (or a
        ``Filters``); None when nothing is set."""
        if value is None or isinstance(value, Filters):
            return value if value is not None and value.active else None
        if not isinstance(value, Mapping):
            raise FilterError(f"filters must be a dict like {{'year': (2022, None)}}, not {type(value).__name__}")
        unknown = set(value) - {"year", "since", "until", "author"}
        if unknown:
            raise FilterError(f"unknown filter field(s) {sorted(unknown)}: use year, since, until or author")
        since, until = value.get("since"), value.get("until")
        year = value.get("year")
        if year is not None:
            if isinstance(year, (tuple, list)):
                if len(year) != 2:
                    raise FilterError("filter 'year' must be one year or a (first, last) pair; None leaves a side open")
                since, until = year
            else:
                since = until = year
        author = value.get("author") or ""
        if not isinstance(author, str):
            raise FilterError(f"filter 'author' must be text, not {type(author).__name__}")
        made = cls(_year(since, "since"), _year(until, "until"), author.strip())
        if made.since is not None and made.until is not None and made.since > made.until:
            raise FilterError(f"filter years run backwards: since {made.since} is after until {made.until}")
        return made if made.active else None

    @property
    def active(self) -> bool:
        return self.since is not None or self.until is not None or bool(self.author)

    def describe(self) -> str:
        parts = []
        if self.since is not None and self.until is not None:
            parts.append(str(self.since) if self.since == self.until else f"{self.since}–{self.until}")
        elif self.since is not None:
            parts.append(f"since {self.since}")
        elif self.until is not None:
            parts.append(f"until {self.until}")
        if self.author:
            parts.append(f"author “{self.author}”")
        return ", ".join(parts)

    def matches(self, meta: Mapping) -> bool:
        """Does the paper whose chunk metadata this is pass? Unknown year or authors: no."""
        if self.since is not None or self.until is not None:
            year = meta.get("pub_year") or paper_year(dict(meta))
            if year is None:
                return False
            if self.since is not None and int(year) < self.since:
                return False
            if self.until is not None and int(year) > self.until:
                return False
        if self.author:
            wanted = normalize_key(self.author)
            if not wanted or wanted not in normalize_key(str(meta.get("authors", ""))):
                return False
        return True

    def where(self, papers: Iterable[str] | None) -> dict:
        """The Chroma ``where`` for the dense half: the year range, and for an author the
        papers that matched (Chroma compares metadata strings only exactly)."""
        clauses: list[dict] = []
        if self.since is not None:
            clauses.append({"pub_year": {"$gte": self.since}})
        if self.until is not None:
            clauses.append({"pub_year": {"$lte": self.until}})
        if self.author and papers is not None:
            clauses.append({"paper_id": {"$in": sorted(papers)}})
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _year(value: object, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():  # a number box gives 2022.0
        value = int(value)
    if isinstance(value, bool):
        raise FilterError(f"filter '{field}' must be a year such as 2022, not {value!r}")
    try:
        year = int(str(value).strip())
    except ValueError:
        raise FilterError(f"filter '{field}' must be a year such as 2022, not {value!r}") from None
    if not 1800 <= year <= 2999:
        raise FilterError(f"filter '{field}' must be a year such as 2022, not {year}")
    return year

"""Readers: files of abstracts in, ``Paper`` and ``Skipped`` records out.

Formats: the listing-page dumps of the bundled corpus, JSON Lines / JSON (our own records,
the arXiv metadata snapshot, BEIR ``corpus.jsonl``, SciFact's sentence lists) and CSV/TSV
with a header. The format comes from the extension and, when that is unknown, the content.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .errors import IngestError
from .models import Paper, Skipped, normalize_key

TEXT_SUFFIXES = {".txt", ".jsonl", ".ndjson", ".json", ".csv", ".tsv"}
MAX_LINE_CHARS = 1_000_000  # a "line" longer than this is not an abstract

_CHROME = re.compile(
    r"^(get trending papers in your email inbox.*|subscribe|new|byak and the research community"
    r"|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \d{1,2}(, \d{4})?)$",
    re.IGNORECASE,
)
_GLUED = re.compile(r"^Subscribe(?=[A-Z0-9])")

_TITLE_KEYS = ("title",)
_ABSTRACT_KEYS = ("abstract", "text", "summary")
_ID_KEYS = ("id", "_id", "doc_id", "paper_id", "arxiv_id")
_META_KEYS = ("authors", "year", "url", "categories", "update_date", "venue", "doi")
_ARXIV_ID = re.compile(r"^(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$")


@dataclass
class ReadResult:
    """Everything read from a set of paths: unique papers, skips, and counts."""

    papers: list[Paper] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, why) not read at all
    records: int = 0  # papers read before duplicates were collapsed
    duplicates: int = 0
    # ``read_groups`` only: papers of an earlier group met again, with the new sources
    more_sources: dict[str, list[str]] = field(default_factory=dict)


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories recursively (known text suffixes, no hidden entries)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise IngestError(f"{path}: no such file or directory")
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path).parts
                if any(p.startswith(".") for p in rel):
                    continue  # the index itself lives in data/.paperchat
                if child.is_file() and child.suffix.lower() in TEXT_SUFFIXES:
                    found.append(child.resolve())
        else:
            found.append(path.resolve())
    return list(dict.fromkeys(found))


def read_paths(paths: Iterable[str | Path], *, others_readable: bool = False) -> ReadResult:
    """Read every file under ``paths``; collapse duplicate papers, remembering each source.

    A file that is unreadable, empty, binary or holds no valid record is named in ``failed``
    and the rest are read: a folder with one bad file still ingests the others. A single file
    given on its own, or a set where no file can be read, raises ``IngestError`` (naming the
    file) before anything is returned, so callers never write half an input.
    ``others_readable``: these are the changed files of a larger set whose other files were
    read before; then a bad file is only reported, even alone.
    """
    files = discover(paths)
    if not files:
        raise IngestError(f"no readable files under {', '.join(map(str, paths))}")
    return next(read_groups(files, others_readable=others_readable, group_papers=math.inf))


def read_groups(
    files: Sequence[str | Path], *, others_readable: bool = False, group_papers: float = 20_000
) -> Iterator[ReadResult]:
    """``read_paths`` in bounded pieces: whole files, about ``group_papers`` papers a piece, so
    an ingest holds one piece at a time, not the corpus. A paper met again in a later piece is
    not repeated; its new source goes in that piece's ``more_sources``. The same errors as
    ``read_paths``: a single file on its own raises at once; a set where no file can be read
    raises before the first piece."""
    if not files:
        raise IngestError("no readable files to read")
    seen: set[str] = set()
    result, by_id, any_read = ReadResult(), {}, False
    for file in files:
        try:
            items = _read_whole(Path(file), result)
        except IngestError as exc:
            if len(files) == 1 and not others_readable:
                raise
            result.failed.append((str(file), str(exc).removeprefix(f"{file}: ")))
            continue
        any_read = True
        result.files.append(str(file))
        for item in items:
            result.records += 1
            first = by_id.get(item.paper_id)
            if first is None and item.paper_id not in seen:
                by_id[item.paper_id] = item
                continue
            result.duplicates += 1
            if first is None:
                result.more_sources.setdefault(item.paper_id, []).append(item.sources[0])
            elif item.sources[0] not in first.sources:
                first.sources.append(item.sources[0])
        if len(by_id) >= group_papers:
            result.papers = list(by_id.values())
            seen.update(by_id)
            yield result
            result, by_id = ReadResult(), {}
    result.papers = list(by_id.values())
    if not any_read and not others_readable:
        raise IngestError("no file could be read: " + "; ".join(f"{f}: {why}" for f, why in result.failed[:5]))
    yield result


def first_readable(paths: Iterable[str | Path]) -> Path:
    """The first file under ``paths`` with a valid record, or ``IngestError`` naming why each
    failed: the check before a new index is created (the rest are read as they are written)."""
    files = discover(paths)
    if not files:
        raise IngestError(f"no readable files under {', '.join(map(str, paths))}")
    return Path(next(read_groups(files, group_papers=1)).files[0])  # the same errors, at the first read


def _read_whole(file: Path, result: ReadResult) -> list[Paper]:
    """One file's papers (its record skips go to ``result``); ``IngestError`` if it has none."""
    papers, skipped = [], []
    for item in read(file):
        (skipped if isinstance(item, Skipped) else papers).append(item)
    if not papers:
        why = "; ".join(s.reason for s in skipped)[:200]
        raise IngestError(f"{file}: no valid record" + (f" ({why})" if why else ""))
    result.skipped.extend(skipped)
    return papers


def read(path: str | Path) -> Iterator[Paper | Skipped]:
    """Read one file; yields papers and per-record skips. Raises ``IngestError`` if unusable."""
    path = Path(path)
    text = _decode(path)
    fmt = detect_format(path, text)
    source = str(path)
    if fmt == "jsonl":
        yield from _read_jsonl(text, source)
    elif fmt == "json":
        yield from _read_json(text, source)
    elif fmt in ("csv", "tsv"):
        yield from _read_csv(text, source, "\t" if fmt == "tsv" else ",")
    else:
        yield from _read_listing(text, source)


def detect_format(path: Path, text: str) -> str:
    """``listing`` | ``jsonl`` | ``json`` | ``csv`` | ``tsv``: extension first, then content."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return suffix[1:]
    head = text.lstrip()[:1]
    if suffix == ".json" or head in ("[", "{"):
        if head == "[":
            return "json"
        first = text.lstrip().split("\n", 1)[0].strip()
        try:
            json.loads(first)
            return "jsonl"
        except (ValueError, RecursionError):
            return "json"
    first_line = text.split("\n", 1)[0].lower()
    if "title" in first_line and any(k in first_line for k in _ABSTRACT_KEYS):
        if "\t" in first_line:
            return "tsv"
        if "," in first_line:
            return "csv"
    return "listing"


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if not data.strip():
        raise IngestError(f"{path}: file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise IngestError(f"{path}: not valid UTF-16 text") from None
    if b"\x00" in data[:8192]:
        raise IngestError(f"{path}: binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Legacy single-byte exports are common; cp1252 maps every byte but five.
        return data.decode("cp1252", errors="replace")


def _make_paper(record: dict, source: str, line: int) -> Paper | Skipped:
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    title = _first_text(lowered, _TITLE_KEYS)
    abstract = _first_text(lowered, _ABSTRACT_KEYS)
    if not title and not abstract:
        return Skipped(source, line, "record has neither title nor abstract")
    if not title:
        return Skipped(source, line, "record has no title")
    if not abstract:
        return Skipped(source, line, f"record has no abstract ({title[:60]!r})")
    raw_id = _first_text(lowered, _ID_KEYS)
    metadata: dict[str, str | int | float] = {}
    for key in _META_KEYS:
        value = lowered.get(key)
        if isinstance(value, list):
            value = ", ".join(_flatten(value))
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
            metadata[key] = value.strip() if isinstance(value, str) else value
    if raw_id and _ARXIV_ID.match(raw_id.strip()):  # the arXiv snapshot's "id": a link can be made
        metadata["arxiv_id"] = raw_id.strip()
    paper_id = ("id-" + normalize_key(raw_id).replace(" ", "_")) if raw_id else ""
    return Paper(title, abstract, paper_id=paper_id, sources=[source], line=line, metadata=metadata)


def _first_text(record: dict, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = record.get(key)
        if isinstance(value, list):  # SciFact's original release stores sentences as a list
            value = " ".join(_flatten(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value.strip():
            return value
    return ""


def _flatten(values: list) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, list):
            out.append(" ".join(_flatten(v)))
        elif isinstance(v, (str, int, float)):
            out.append(str(v))
    return [o for o in out if o.strip()]


def _read_jsonl(text: str, source: str) -> Iterator[Paper | Skipped]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if len(line) > MAX_LINE_CHARS:
            yield Skipped(source, lineno, f"line too long ({len(line)} characters)")
            continue
        try:
            record = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield Skipped(source, lineno, f"invalid JSON ({str(exc)[:80]})")
            continue
        if not isinstance(record, dict):
            yield Skipped(source, lineno, f"expected a JSON object, got {type(record).__name__}")
            continue
        yield _make_paper(record, source, lineno)


def _read_json(text: str, source: str) -> Iterator[Paper | Skipped]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        lineno = getattr(exc, "lineno", 1)
        yield Skipped(source, lineno, f"invalid JSON ({str(exc)[:80]})")
        return
    if isinstance(data, dict):
        # {"papers": [...]} or a single record
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        data = lists[0] if lists and not _first_text(data, _TITLE_KEYS) else [data]
    if not isinstance(data, list):
        yield Skipped(source, 1, "expected a JSON array of records")
        return
    for index, record in enumerate(data, 1):
        if not isinstance(record, dict):
            yield Skipped(source, index, f"record {index}: expected an object")
            continue
        yield _make_paper(record, source, index)


def _read_csv(text: str, source: str, delimiter: str) -> Iterator[Paper | Skipped]:
    csv.field_size_limit(MAX_LINE_CHARS)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or []) if h]
    if "title" not in header or not any(k in header for k in _ABSTRACT_KEYS):
        yield Skipped(source, 1, "CSV header needs a 'title' and an 'abstract' (or 'text') column")
        return
    start = 2
    try:
        for row in reader:
            if None in row:  # more cells than header columns
                yield Skipped(source, start, "row has more cells than the header")
            elif all(not (v or "").strip() for v in row.values()):
                pass
            else:
                yield _make_paper(row, source, start)
            start = reader.line_num + 1
    except csv.Error as exc:
        yield Skipped(source, reader.line_num, f"malformed CSV ({exc})")


def _is_abstract(line: str) -> bool:
    # Titles in listing dumps are short; abstracts are paragraphs (the corpus has nothing
    # between 160 and 700 characters). Sentence punctuation settles the grey zone.
    return len(line) >= 300 or (len(line) >= 120 and line.count(". ") >= 2)


def _read_listing(text: str, source: str) -> Iterator[Paper | Skipped]:
    title: tuple[int, str] | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or _CHROME.match(line):
            continue
        line = _GLUED.sub("", line)
        if len(line) > MAX_LINE_CHARS:
            yield Skipped(source, lineno, f"line too long ({len(line)} characters)")
            title = None
            continue
        if _is_abstract(line):
            if title is None:
                yield Skipped(source, lineno, "abstract with no title before it")
            else:
                yield Paper(title[1], line, sources=[source], line=title[0])
                title = None
        else:
            if title is not None:
                yield Skipped(source, title[0], f"title with no abstract ({title[1][:60]!r})")
            title = (lineno, line)
    if title is not None:
        yield Skipped(source, title[0], f"title with no abstract ({title[1][:60]!r})")

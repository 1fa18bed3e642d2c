"""Property-based fuzzing of every reader: any bytes in, papers/skips or one clear error out."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingest import IngestError, Paper, Skipped, read_paths

SUFFIXES = [".txt", ".jsonl", ".json", ".csv", ".tsv", ".dat"]

record_line = st.one_of(
    st.builds(lambda t, a: f'{{"title": {t!r}, "abstract": {a!r}}}'.replace("'", '"'), st.text(max_size=40), st.text(max_size=200)),
    st.text(max_size=300),
    st.just('{"title": "x", "abstract": ' + "[" * 5000 + "]" * 5000 + "}"),  # deeply nested JSON
    st.just('"unbalanced, quote\n'),
)


def encodings(text: str) -> st.SearchStrategy[bytes]:
    return st.sampled_from([
        text.encode("utf-8"), text.encode("utf-16"), text.encode("latin-1", "replace"),
        text.replace("\n", "\r\n").encode("utf-8"), b"\xef\xbb\xbf" + text.encode("utf-8"),
    ])


def check(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_bytes(data)
        try:
            result = read_paths([path])
        except IngestError as exc:  # a whole-file problem: one line naming the file
            assert str(path) in str(exc) and "\n" not in str(exc)
            return
        assert result.papers, "read_paths returns at least one paper or raises"
        for p in result.papers:
            assert isinstance(p, Paper) and p.title and p.abstract
        for s in result.skipped:
            assert isinstance(s, Skipped) and s.source == str(path) and s.line >= 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000), st.sampled_from(SUFFIXES))
def test_random_bytes_never_crash_a_reader(data: bytes, suffix: str):
    check(data, suffix)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record_line, min_size=1, max_size=8), st.sampled_from(SUFFIXES), st.data())
def test_malformed_records_in_any_encoding_never_crash(lines: list[str], suffix: str, data):
    text = "\n".join(lines)
    check(data.draw(encodings(text)), suffix)


def test_huge_line_and_nul_bytes(tmp_path: Path):
    huge = tmp_path / "huge.txt"
    huge.write_text("Title\n" + "word " * 300_000 + "\n")
    with pytest.raises(IngestError, match="line too long"):
        read_paths([huge])
    nul = tmp_path / "nul.jsonl"
    nul.write_bytes(b'{"title": "a", "abstract": "b"}\n\x00\x00\x00')
    with pytest.raises(IngestError, match="binary"):
        read_paths([nul])

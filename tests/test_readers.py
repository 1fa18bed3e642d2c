"""Readers: the bundled listing dumps, JSONL/JSON (ours, arXiv, BEIR), CSV, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest import IngestError, Paper, Skipped, read, read_paths
from rag.settings import BUNDLED_DATA
from tests.conftest import write_jsonl


def test_bundled_corpus_has_911_unique_papers_from_991_records():
    result = read_paths([BUNDLED_DATA])
    assert len(result.files) == 5
    assert result.records == 991
    assert len(result.papers) == 911
    assert result.duplicates == 80
    assert result.skipped == []
    titles = [p.title for p in result.papers]
    assert len(set(titles)) == 911
    # page chrome never becomes a title, and the glued first title is repaired
    for chrome in ("Subscribe", "new", "byAK and the research community", "Mar 14"):
        assert chrome not in titles
    assert not any(t.startswith(("Subscribe", "Get trending")) for t in titles)
    assert "Rethinking Supervised Pre-training for Better Downstream Transferring" in titles
    assert "RASAT: Integrating Relational Structures into Pretrained Seq2Seq Model for Text-to-SQL" in titles
    # a paper seen in several files remembers each of them
    multi = [p for p in result.papers if len(p.sources) > 1]
    assert multi and all(len(set(p.sources)) == len(p.sources) for p in multi)


def test_listing_title_without_abstract_and_orphan_abstract_are_skipped_and_counted(tmp_path: Path):
    abstract = "We study things. " * 30
    f = tmp_path / "dump.txt"
    f.write_text(
        "Get trending papers in your email inbox!\n\nSubscribeFirst Paper Title\n"
        f"{abstract}\n\nLonely Title With No Abstract\nSecond Title\n{abstract}x\n{abstract}y\n",
        encoding="utf-8",
    )
    items = list(read(f))
    papers = [i for i in items if isinstance(i, Paper)]
    skips = [i for i in items if isinstance(i, Skipped)]
    assert [p.title for p in papers] == ["First Paper Title", "Second Title"]
    assert {s.line for s in skips} == {6, 9}
    assert any("title with no abstract" in s.reason for s in skips)
    assert any("abstract with no title" in s.reason for s in skips)
    assert all(str(f) in str(s) for s in skips)


def test_arxiv_snapshot_records_multiline_titles_latex_and_whitespace(tmp_path: Path):
    rec = {
        "id": "2101.00001",
        "submitter": "A",
        "authors": "Ada Lovelace and Alan Turing",
        "title": "On $\\mathcal{O}(n)$ Attention:\n  A Study",
        "abstract": "  We show that $x^2$ attention\n  can be linear in practice.\n",
        "categories": "cs.LG cs.CL",
        "update_date": "2021-01-04",
    }
    f = write_jsonl(tmp_path / "arxiv.jsonl", [rec])
    (paper,) = list(read(f))
    assert paper.title == "On $\\mathcal{O}(n)$ Attention: A Study"
    assert paper.abstract == "We show that $x^2$ attention can be linear in practice."
    assert paper.paper_id == "id-2101_00001"
    assert paper.metadata["authors"] == "Ada Lovelace and Alan Turing"
    assert paper.metadata["categories"] == "cs.LG cs.CL"
    assert paper.metadata["update_date"] == "2021-01-04"


def test_beir_corpus_and_json_array(tmp_path: Path):
    f = write_jsonl(tmp_path / "corpus.jsonl", [{"_id": "4983", "title": "T", "text": "Body text."}])
    (paper,) = list(read(f))
    assert (paper.paper_id, paper.title, paper.abstract) == ("id-4983", "T", "Body text.")
    arr = tmp_path / "papers.json"
    arr.write_text(json.dumps([{"title": "A", "abstract": "x y"}, {"title": "B"}]), encoding="utf-8")
    items = list(read(arr))
    assert isinstance(items[0], Paper) and isinstance(items[1], Skipped)
    assert "no abstract" in items[1].reason


def test_csv_header_is_case_insensitive_and_keeps_metadata(tmp_path: Path):
    f = tmp_path / "p.csv"
    f.write_text('Title,ABSTRACT,Year,url\n"A, with comma","Line one\nline two",2021,http://x\n', encoding="utf-8")
    (paper,) = list(read(f))
    assert paper.title == "A, with comma" and paper.abstract == "Line one line two"
    assert paper.metadata == {"year": "2021", "url": "http://x"}


def test_malformed_lines_are_reported_with_file_and_line_and_the_rest_is_read(tmp_path: Path):
    f = tmp_path / "mixed.jsonl"
    f.write_text(
        '{"title": "Good", "abstract": "Fine."}\n{not json\n[1, 2]\n{"title": "No abstract"}\n'
        '{"title": "Also good", "text": "Yes."}\n',
        encoding="utf-8",
    )
    result = read_paths([f])
    assert [p.title for p in result.papers] == ["Good", "Also good"]
    assert [(s.line, s.source) for s in result.skipped] == [(2, str(f)), (3, str(f)), (4, str(f))]
    assert "invalid JSON" in result.skipped[0].reason


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "binary"),
        (b'{"foo": 1}\n{"bar": 2}\n', "no valid record"),
    ],
)
def test_unusable_file_is_a_one_line_error_naming_it(tmp_path: Path, content: bytes, message: str):
    f = tmp_path / "bad.jsonl"
    f.write_bytes(content)
    with pytest.raises(IngestError) as err:
        read_paths([f])
    assert str(f) in str(err.value) and message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_path_and_utf16_and_directory_recursion(tmp_path: Path):
    with pytest.raises(IngestError, match="no such file"):
        read_paths([tmp_path / "nope.txt"])
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    (sub / "x.jsonl").write_bytes(json.dumps({"title": "Ü", "abstract": "é"}).encode("utf-16"))
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "y.jsonl").write_text('{"title": "H", "abstract": "h"}')
    result = read_paths([tmp_path])
    assert [p.title for p in result.papers] == ["Ü"]

"""The lexical index on disk: built at ingest, opened without a rebuild, kept in step with
Chroma across processes, crashes and edits (fast tier: fake embedder, real Chroma, real
tantivy, a real second process)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import Index
from ingest.embed import CachedEmbedder
from ingest.lexical import LexicalBusyError, LexicalIndex
from rag import Engine, ingest_paths
from tests.conftest import ROOT, make_settings
from tests.conftest import write_jsonl as _write
from tests.fakes import HashEmbedder

FIXTURE = ROOT / "tests" / "fixtures" / "papers20.jsonl"
PAPERS = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]
NEW = {
    "id": "zz9",
    "title": "Quokka: counting marsupial burrows from drone photographs",
    "abstract": "We count quokka burrows on Rottnest Island from drone photographs with a "
    "segmentation network, reaching 94.1% agreement with field surveys.",
}


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write(path, records)


@pytest.fixture
def corpus(tmp_path: Path) -> tuple[Path, object]:
    data = tmp_path / "data"
    write_jsonl(data / "papers.jsonl", PAPERS)
    settings = make_settings(tmp_path / "home", data_dir=data)
    ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    return data, settings


def _engine(settings) -> Engine:  # noqa: ANN001
    return Engine(settings, auto_ingest=False, embedder=CachedEmbedder(HashEmbedder()))


def _papers(engine: Engine, question: str, mode: str) -> list[str]:
    return [s.paper_id for s in engine.retriever.retrieve(question, top_k=3, mode=mode).sources]


def test_an_engine_opens_the_lexical_index_without_reading_every_chunk(corpus, monkeypatch):
    _, settings = corpus

    def no_scan(self, include):  # noqa: ANN001
        raise AssertionError("the query path read every chunk back from Chroma")

    monkeypatch.setattr(Index, "records", no_scan)
    engine = _engine(settings)
    assert _papers(engine, "relational structures schema linking text-to-SQL", "bm25")[0] == "id-f00"
    assert engine.retriever.metadata_counts()[0] == 20


def _ingest_new_in_another_process(settings, tmp_path: Path, save_vectors: bool = False) -> None:  # noqa: ANN001
    """``save_vectors``: that ingest also saves Chroma's vector graph (``ingest.vectorsave``),
    which a one-paper ingest would skip as not worth it."""
    extra = write_jsonl(tmp_path / "more" / "new.jsonl", [NEW])
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        + ("import ingest.vectorsave as v; v.MIN_BACKLOG = 0;" if save_vectors else "")
        + "from ingest.embed import CachedEmbedder; from rag import Settings, ingest_paths;"
        "from tests.fakes import HashEmbedder;"
        "s = Settings().with_overrides(**{'chroma.path': sys.argv[2]});"
        "r = ingest_paths(s, [sys.argv[3]], embedder=CachedEmbedder(HashEmbedder()));"
        "assert r.new == 1, r.summary()"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(ROOT), str(settings.index_path), str(extra)],
        check=True, capture_output=True, timeout=120,
    )


@pytest.mark.parametrize("saves_graph", [False, True], ids=["graph-unsaved", "graph-saved"])
def test_a_paper_ingested_by_another_process_is_found_by_both_halves(corpus, tmp_path, saves_graph):
    data, settings = corpus
    engine = _engine(settings)
    question = "counting quokka burrows from drone photographs"
    for mode in ("dense", "bm25"):  # the running engine has loaded both halves
        assert "id-zz9" not in _papers(engine, question, mode)
    _ingest_new_in_another_process(settings, tmp_path, save_vectors=saves_graph)
    # lexical at once: the next question reloads its searcher
    assert _papers(engine, question, "bm25")[0] == "id-zz9"
    assert engine.retriever.metadata_counts()[0] == 21
    # dense within seconds: the vector index reloads on a thread while questions go on
    deadline = time.monotonic() + 30
    while _papers(engine, question, "dense")[:1] != ["id-zz9"] and time.monotonic() < deadline:
        time.sleep(0.2)
    for mode in ("dense", "hybrid"):
        assert _papers(engine, question, mode)[0] == "id-zz9", mode


def test_a_question_during_the_vector_reload_does_not_fail(corpus, tmp_path):
    # BM25-only mode reads the hits' stored vectors. The engine's old vector index lacks the
    # new paper's, and the reload thread may swap clients (clearing the stale flag) between
    # that failed read and its handling: the question must still be answered, not raise.
    _, settings = corpus
    engine = _engine(settings)
    question = "counting quokka burrows from drone photographs"
    assert "id-zz9" not in _papers(engine, question, "bm25")
    _ingest_new_in_another_process(settings, tmp_path)
    index = engine.index
    index.refresh()
    index._vectors_revision = index._seen_revision  # what a finished reload sets; old client kept
    assert _papers(engine, question, "bm25")[0] == "id-zz9"
    assert engine.ask(question, mode="bm25").sources[0].paper_id == "id-zz9"


def test_a_lost_lexical_index_is_rebuilt_from_chroma(corpus):
    _, settings = corpus
    index_dir = Path(settings.index_path)
    lexical = next(index_dir.rglob("lexical.json")).parent
    for child in lexical.iterdir():  # a crash, a copy without it, an index from before it existed
        child.unlink() if child.is_file() else None
    engine = _engine(settings)
    assert _papers(engine, "relational structures schema linking text-to-SQL", "bm25")[0] == "id-f00"
    assert (lexical / "lexical.json").exists()


def test_an_edited_or_removed_paper_leaves_the_lexical_index(corpus):
    data, settings = corpus
    edited = [dict(p) for p in PAPERS[1:]]  # f00 (RASAT) removed
    edited[0]["abstract"] += " We also evaluate on penguin colonies in Antarctica."
    (data / "papers.jsonl").unlink()
    write_jsonl(data / "papers.jsonl", edited)
    from rag import ingest_paths as again

    report = again(settings, [data], prune=True, embedder=CachedEmbedder(HashEmbedder()))
    assert report.pruned == 1 and report.updated == 1
    engine = _engine(settings)
    assert "id-f00" not in _papers(engine, "relational structures schema linking text-to-SQL", "bm25")
    assert _papers(engine, "penguin colonies Antarctica", "bm25")[0] == "id-" + edited[0]["id"]


def test_the_lexical_index_holds_the_text_not_the_metadata(corpus):
    data, settings = corpus
    engine = _engine(settings)
    # every chunk's metadata names its source file; BM25 over metadata matched it everywhere
    assert _papers(engine, "jsonl", "bm25") == []


def test_a_second_writer_is_told_an_ingest_is_running(tmp_path):
    first, second = LexicalIndex(tmp_path / "lex"), LexicalIndex(tmp_path / "lex")
    first.begin()
    with pytest.raises(LexicalBusyError, match="another process"):
        second.begin()
    first.commit()
    second.begin()  # free again once the first has finished
    second.rollback()


def test_an_ingest_waits_out_an_engines_moment_with_the_writer(corpus, tmp_path):
    # an engine that finds the lexical index behind takes the writer for a moment to check;
    # an ingest starting then waits for it instead of failing
    data, settings = corpus
    lexical_dir = next(Path(settings.index_path).rglob("lexical.json")).parent
    engine_side = LexicalIndex(lexical_dir)
    engine_side.begin()
    import threading

    threading.Timer(1.0, engine_side.rollback).start()
    write_jsonl(data / "more.jsonl", [NEW])
    assert ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder())).new == 1


def test_no_one_takes_the_writer_between_the_new_revision_and_its_sync_record(corpus, tmp_path, monkeypatch):
    # otherwise an engine that saw the revision move, with the record still naming the old one,
    # would take the free writer and rebuild the whole lexical index from Chroma
    data, settings = corpus
    lexical_dir = next(Path(settings.index_path).rglob("lexical.json")).parent
    bump, busy = Index.bump_revision, []

    def bump_then_try(self):  # noqa: ANN001, ANN202
        bump(self)
        other = LexicalIndex(lexical_dir)
        try:
            other.begin()
            busy.append(False)
            other.rollback()
        except LexicalBusyError:
            busy.append(True)

    monkeypatch.setattr(Index, "bump_revision", bump_then_try)
    write_jsonl(data / "more.jsonl", [NEW])
    assert ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder())).new == 1
    assert busy and all(busy), busy  # at the start of the ingest and at its end
    monkeypatch.undo()
    engine = _engine(settings)
    assert engine.index.lexical_current()
    assert _papers(engine, "counting quokka burrows from drone photographs", "bm25")[0] == "id-zz9"


def test_an_unchanged_re_ingest_reads_no_file_and_no_chunk(corpus, monkeypatch):
    data, settings = corpus
    import ingest.pipeline as pipeline

    def boom(*args, **kwargs):  # noqa: ANN002, ANN003
        raise AssertionError("read a file or every chunk although nothing changed")

    monkeypatch.setattr(pipeline, "read_groups", boom)
    monkeypatch.setattr(Index, "records", boom)
    report = ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    assert (report.unchanged, report.new, report.chunks_written) == (20, 0, 0)


def test_an_added_file_costs_only_its_papers(corpus, monkeypatch):
    data, settings = corpus
    write_jsonl(data / "more.jsonl", [NEW])
    import ingest.pipeline as pipeline

    read = []
    real = pipeline.read_groups
    monkeypatch.setattr(pipeline, "read_groups", lambda files, **kw: read.extend(files) or real(files, **kw))
    monkeypatch.setattr(Index, "records", lambda *a: (_ for _ in ()).throw(AssertionError("scanned every chunk")))
    report = ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    assert [Path(f).name for f in read] == ["more.jsonl"]
    assert (report.new, report.unchanged, report.papers_read) == (1, 20, 21)
    assert _papers(_engine(settings), NEW["title"], "hybrid")[0] == "id-zz9"


def test_a_file_changed_behind_the_index_is_read_again(corpus):
    data, settings = corpus
    edited = [dict(p) for p in PAPERS]
    edited[3]["abstract"] = "Entirely rewritten: we study axolotl limb regeneration in cold water."
    (data / "papers.jsonl").unlink()
    write_jsonl(data / "papers.jsonl", edited)
    report = ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    assert (report.updated, report.unchanged) == (1, 19)
    assert _papers(_engine(settings), "axolotl limb regeneration", "bm25")[0] == "id-" + edited[3]["id"]


def test_a_first_ingest_holds_one_piece_of_the_corpus_at_a_time(tmp_path, monkeypatch):
    """Files are read, looked up and written a piece at a time; a paper repeated in a later
    piece is written once and gains that file as a source; a bad file is named, the rest land."""
    import ingest.pipeline as pipeline

    data = tmp_path / "data"
    for i in range(4):  # 5 papers a file
        write_jsonl(data / f"part{i}.jsonl", PAPERS[5 * i : 5 * i + 5])
    write_jsonl(data / "part9.jsonl", [PAPERS[0], NEW])  # PAPERS[0] again, three pieces later
    (data / "broken.jsonl").write_text("{not json\n")
    monkeypatch.setattr(pipeline, "GROUP_PAPERS", 6)
    pieces: list[int] = []
    real = pipeline.read_groups

    def spy(files, **kw):  # noqa: ANN001, ANN003, ANN202
        for piece in real(files, **kw):
            pieces.append(len(piece.papers))
            yield piece

    monkeypatch.setattr(pipeline, "read_groups", spy)
    seen: list[tuple[int, int]] = []
    settings = make_settings(tmp_path / "home", data_dir=data)
    report = ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()),
                          progress=lambda d, t: seen.append((d, t)))
    assert max(pieces) <= 10 and len(pieces) >= 3, pieces  # never the whole corpus at once
    assert (report.new, report.duplicates, report.papers_read) == (21, 1, 21)
    assert [Path(f).name for f, _ in report.failed_files] == ["broken.jsonl"]
    assert seen[-1][0] == seen[-1][1] == 21  # progress ends exact, never counts backwards
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    index = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(HashEmbedder())).index
    first = f"id-{PAPERS[0]['id']}"
    state = index.paper_states([first])[first]
    assert sorted(Path(s).name for s in state.sources) == ["part0.jsonl", "part9.jsonl"]
    assert index.count() == sum(s.n_chunks for s in index.paper_states().values())
    again = ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    assert (again.new, again.unchanged, again.chunks_written) == (0, 21, 0)


def test_an_interrupted_ingest_resumes_from_the_files_it_had_not_finished(tmp_path, monkeypatch):
    """The manifest is saved after each piece, so a run stopped mid-way (a crash, Ctrl-C, a
    full disk) costs only the rest when run again: finished files are not read again."""
    import ingest.pipeline as pipeline

    data = tmp_path / "data"
    for i in range(4):
        write_jsonl(data / f"part{i}.jsonl", PAPERS[5 * i : 5 * i + 5])
    monkeypatch.setattr(pipeline, "GROUP_PAPERS", 5)  # a piece per file
    settings = make_settings(tmp_path / "home", data_dir=data)
    real = pipeline._Run.piece
    calls = []

    def stop_at_third(self, read, nbytes):  # noqa: ANN001, ANN202
        calls.append(read.files)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, read, nbytes)

    monkeypatch.setattr(pipeline._Run, "piece", stop_at_third)
    with pytest.raises(KeyboardInterrupt):
        ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    monkeypatch.setattr(pipeline._Run, "piece", real)
    read: list[str] = []
    groups = pipeline.read_groups
    monkeypatch.setattr(pipeline, "read_groups", lambda files, **kw: read.extend(files) or groups(files, **kw))
    report = ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))
    assert sorted(Path(f).name for f in read) == ["part2.jsonl", "part3.jsonl"]
    assert (report.new, report.unchanged, report.papers_read) == (10, 10, 20)
    engine = _engine(settings)
    assert engine.index.count() == sum(s.n_chunks for s in engine.index.paper_states().values())
    assert _papers(engine, PAPERS[17]["title"], "bm25")[0] == f"id-{PAPERS[17]['id']}"


"""Saving Chroma's vector graph after an ingest (``ingest.vectorsave``), so a cold open does
not replay the ingest's writes into it; and no process loading the graph mid-save (fast tier:
fake embedder, real Chroma, real helper processes)."""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

import ingest.vectorsave as vs
from ingest.embed import CachedEmbedder
from rag import Engine, ingest_paths
from tests.conftest import ROOT, make_settings, write_jsonl
from tests.fakes import HashEmbedder

PAPERS = [json.loads(line) for line in (ROOT / "tests" / "fixtures" / "papers20.jsonl").read_text().splitlines() if line.strip()]


def _ingest(settings, data: Path):  # noqa: ANN001, ANN202
    return ingest_paths(settings, [data], embedder=CachedEmbedder(HashEmbedder()))


def _engine(settings) -> Engine:  # noqa: ANN001
    return Engine(settings, auto_ingest=False, embedder=CachedEmbedder(HashEmbedder()))


def _saved_positions(index_dir: Path) -> dict[str, int]:
    """Chroma's own bookkeeping (internal, read-only): the log position each segment has
    saved, by scope. The vector segment's lags while entries wait to be replayed."""
    con = sqlite3.connect(f"file:{index_dir / 'chroma.sqlite3'}?mode=ro", uri=True)
    try:
        rows = con.execute("select s.scope, m.seq_id from max_seq_id m join segments s on s.id = m.segment_id")
        return {scope: int(seq) for scope, seq in rows}
    finally:
        con.close()


def _stored_threshold(settings) -> int:  # noqa: ANN001
    return vs.threshold(_engine(settings).index.collection)


@pytest.fixture
def setup(tmp_path: Path):  # noqa: ANN201
    data = tmp_path / "data"
    data.mkdir()
    write_jsonl(data / "papers.jsonl", PAPERS[:10])
    return data, make_settings(tmp_path / "home", data_dir=data)


def test_an_ingest_leaves_the_graph_saved_and_the_threshold_as_it_was(setup, monkeypatch):
    data, settings = setup
    monkeypatch.setattr(vs, "MIN_BACKLOG", 1)  # the fixture is far smaller than a real backlog
    _ingest(settings, data)
    index_dir = Path(settings.chroma.path)
    saved = _saved_positions(index_dir)
    assert saved.get("VECTOR") == saved["METADATA"] > 0, f"graph not saved: {saved}"
    assert vs.unsaved_entries(index_dir, str(_engine(settings).index.collection.id)) == 0
    assert _stored_threshold(settings) == vs.CHROMA_DEFAULT
    write_jsonl(data / "more.jsonl", PAPERS[10:])  # a later ingest saves again
    assert _ingest(settings, data).new == 10
    again = _saved_positions(index_dir)
    assert again["VECTOR"] == again["METADATA"] > saved["VECTOR"]
    engine = _engine(settings)  # and the saved graph answers
    title = PAPERS[15]["title"]
    assert engine.retriever.retrieve(title, top_k=1, mode="dense").sources[0].paper_id == f"id-{PAPERS[15]['id']}"


def test_a_small_ingest_skips_the_save(setup, monkeypatch):
    data, settings = setup
    started = []
    monkeypatch.setattr(vs.subprocess, "run", lambda *a, **k: started.append(a))
    assert _ingest(settings, data).new == 10  # ~20 log entries: replaying them costs less than a save
    assert started == []
    index_dir = Path(settings.chroma.path)
    assert vs.unsaved_entries(index_dir, str(_engine(settings).index.collection.id)) > 0


def test_a_failed_save_leaves_the_ingest_and_the_threshold_intact(setup, monkeypatch):
    data, settings = setup
    monkeypatch.setattr(vs, "MIN_BACKLOG", 1)

    def fail(args, **kwargs):  # noqa: ANN001, ANN003, ANN202
        raise vs.subprocess.CalledProcessError(1, args)

    monkeypatch.setattr(vs.subprocess, "run", fail)
    assert _ingest(settings, data).new == 10
    assert _stored_threshold(settings) == vs.CHROMA_DEFAULT
    assert _engine(settings).retriever.retrieve(PAPERS[3]["title"], top_k=1, mode="dense").sources


def _lower(settings) -> None:  # noqa: ANN001
    """What a saver does first: lower the stored threshold (and note what to put back)."""
    engine = _engine(settings)
    (Path(settings.chroma.path) / vs.LOCK_FILE).write_text("1000")
    engine.index.collection.modify(configuration={"hnsw": {"sync_threshold": vs.LOWERED}})


def test_a_dead_savers_lowered_threshold_is_put_back_by_the_next_process(setup):
    data, settings = setup
    _ingest(settings, data)
    _lower(settings)  # and then died: its lock went with it
    assert _stored_threshold(settings) == vs.CHROMA_DEFAULT  # this open restored it


def test_a_process_waits_for_a_save_in_progress_before_loading_the_graph(setup):
    data, settings = setup
    _ingest(settings, data)
    _lower(settings)
    lock = open(Path(settings.chroma.path) / vs.LOCK_FILE, "a+")  # noqa: SIM115 - held across the test
    fcntl.flock(lock, fcntl.LOCK_EX)  # a saver at work
    opened: list[Engine] = []
    opener = threading.Thread(target=lambda: opened.append(_engine(settings)))
    opener.start()
    time.sleep(0.5)
    assert not opened, "opened the graph while its save was under way"
    from chromadb import PersistentClient
    from chromadb.config import Settings as ChromaSettings

    client = PersistentClient(path=str(settings.chroma.path), settings=ChromaSettings(anonymized_telemetry=False))
    client.get_collection("paperchat").modify(configuration={"hnsw": {"sync_threshold": 1000}})
    fcntl.flock(lock, fcntl.LOCK_UN)  # the save is done
    lock.close()
    opener.join(timeout=30)
    assert opened and vs.threshold(opened[0].index.collection) == vs.CHROMA_DEFAULT

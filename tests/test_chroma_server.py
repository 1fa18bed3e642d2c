"""The same ingest/ask path against a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest import StoreUnavailableError
from rag import Engine, ingest_paths, open_store
from tests.conftest import make_settings, write_jsonl

pytestmark = pytest.mark.server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(path: Path, port: int) -> subprocess.Popen:
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    proc = subprocess.Popen(
        [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    return proc


@pytest.fixture
def chroma_server(tmp_path: Path):
    port = free_port()
    proc = start_server(tmp_path / "server", port)
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_ingest_and_ask_through_a_chroma_server(tmp_path: Path, chroma_server: int):
    settings = make_settings(tmp_path, **{"chroma.host": "127.0.0.1", "chroma.port": chroma_server})
    src = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "a", "title": "Sparse mixture of experts routing", "abstract": "We route tokens to 64 experts with a learned top-2 gate. It halves training cost."},
        {"id": "b", "title": "Protein structure from sequence", "abstract": "We predict protein structures from amino-acid sequences with a transformer."},
    ])
    report = ingest_paths(settings, [src])
    assert report.new == 2
    assert ingest_paths(settings, [src]).chunks_written == 0
    store = open_store(settings)
    stats = store.stats()
    assert stats.papers == 2 and stats.location.startswith("chroma server http://127.0.0.1")
    # the search breadth is stored on the server too, set before the server first loaded the graph
    assert store.collection.configuration_json["hnsw"]["ef_search"] == settings.chroma.search_ef
    answer = Engine(settings, auto_ingest=False).ask("How many experts are tokens routed to?")
    assert answer.citations and answer.citations[0].paper_id == "id-a"
    assert "64 experts" in answer.text


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path):
    settings = make_settings(tmp_path, **{"chroma.host": "127.0.0.1", "chroma.port": free_port()})
    with pytest.raises(StoreUnavailableError, match="not answering"):
        open_store(settings)


def test_server_killed_mid_ingest_then_restarted_loses_nothing(tmp_path: Path):
    import threading

    import chromadb

    from ingest import IngestError

    port = free_port()
    proc = start_server(tmp_path / "server", port)
    n = 150
    records = [{"id": f"s{i}", "title": f"Server paper {i}",
                "abstract": " ".join(f"Claim {j} of paper {i} holds at {i * j}%." for j in range(14))} for i in range(n)]
    src = write_jsonl(tmp_path / "many.jsonl", records)
    settings = make_settings(tmp_path, **{"chroma.host": "127.0.0.1", "chroma.port": port,
                                          "chunking.size": 48, "chunking.overlap": 8})
    errors: list[Exception] = []

    def run() -> None:
        try:
            ingest_paths(settings, [src])
        except IngestError as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    probe = chromadb.HttpClient(host="127.0.0.1", port=port)
    deadline = time.time() + 300
    while time.time() < deadline and worker.is_alive():
        try:
            if probe.get_collection("paperchat").count() > 0:
                break
        except Exception:
            pass
        time.sleep(0.1)
    proc.kill()
    proc.wait()
    worker.join(timeout=300)
    assert errors, "the ingest should fail when its server dies"
    assert "127.0.0.1" in str(errors[0]) and "\n" not in str(errors[0])

    proc = start_server(tmp_path / "server", port)
    try:
        report = ingest_paths(settings, [src])
        assert report.papers_read == n
        index = open_store(settings)
        metas = [m for _, m, _ in index.records(["metadatas"])]
        per_paper: dict[str, int] = {}
        for m in metas:
            per_paper[m["paper_id"]] = per_paper.get(m["paper_id"], 0) + 1
        assert len(per_paper) == n and all(per_paper[m["paper_id"]] == m["n_chunks"] for m in metas)
        texts = {m["paper_id"]: m.get("abstract") for m in metas if m["chunk_no"] == 0}
        assert all(texts[f"id-s{i}"] == records[i]["abstract"] for i in range(n))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_queries_survive_a_server_restart_with_a_clear_error_while_it_is_down(tmp_path: Path):
    from ingest import IngestError

    port = free_port()
    proc = start_server(tmp_path / "server", port)
    settings = make_settings(tmp_path, **{"chroma.host": "127.0.0.1", "chroma.port": port})
    src = write_jsonl(tmp_path / "p.jsonl", [
        {"id": "a", "title": "Sparse mixture of experts routing", "abstract": "We route tokens to 64 experts with a learned top-2 gate. It halves training cost."},
        {"id": "b", "title": "Protein structure from sequence", "abstract": "We predict protein structures from amino-acid sequences with a transformer."},
    ])
    ingest_paths(settings, [src])
    engine = Engine(settings, auto_ingest=False)
    question = "How many experts are tokens routed to?"
    assert "64 experts" in engine.ask(question).text
    proc.terminate()
    proc.wait(timeout=30)
    try:
        with pytest.raises(IngestError) as down:
            engine.ask(question)
        assert f"127.0.0.1:{port}" in str(down.value) and "\n" not in str(down.value)
    finally:
        proc = start_server(tmp_path / "server", port)
    try:
        again = engine.ask(question)  # the same engine, no restart of paperchat
        assert "64 experts" in again.text and again.citations[0].paper_id == "id-a"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_two_workers_on_one_server_and_one_lexical_index_see_each_others_papers(tmp_path: Path, chroma_server: int):
    # the deployment the README describes: page/API workers against one `chroma run` server and
    # one shared lexical directory; a paper one worker ingests is found by the other at once
    import subprocess

    from ingest.embed import CachedEmbedder
    from tests.conftest import ROOT
    from tests.fakes import HashEmbedder

    shared = {"chroma.host": "127.0.0.1", "chroma.port": chroma_server, "chroma.lexical_path": tmp_path / "lexical"}
    settings = make_settings(tmp_path, **shared)
    first = write_jsonl(tmp_path / "a.jsonl", [
        {"id": "a", "title": "Sparse mixture of experts routing", "abstract": "We route tokens to 64 experts with a learned top-2 gate."},
    ])
    ingest_paths(settings, [first], embedder=CachedEmbedder(HashEmbedder()))
    engine = Engine(settings, auto_ingest=False, embedder=CachedEmbedder(HashEmbedder()))
    question = "counting quokka burrows on Rottnest Island from drone photographs"
    assert [s.paper_id for s in engine.retriever.retrieve(question, mode="bm25").sources] != ["id-q"]
    second = write_jsonl(tmp_path / "b.jsonl", [
        {"id": "q", "title": "Quokka burrows from drones", "abstract": "We count quokka burrows on Rottnest Island from drone photographs."},
    ])
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from ingest.embed import CachedEmbedder; from rag import Settings, ingest_paths;"
        "from tests.fakes import HashEmbedder;"
        "s = Settings().with_overrides(**{'chroma.host': '127.0.0.1', 'chroma.port': int(sys.argv[2]),"
        " 'chroma.lexical_path': sys.argv[3]});"
        "assert ingest_paths(s, [sys.argv[4]], embedder=CachedEmbedder(HashEmbedder())).new == 1"
    )
    subprocess.run([sys.executable, "-c", script, str(ROOT), str(chroma_server), str(tmp_path / "lexical"), str(second)],
                   check=True, capture_output=True, timeout=120)
    for mode in ("dense", "bm25", "hybrid"):  # a server has no stale vector index: at once
        assert engine.retriever.retrieve(question, mode=mode).sources[0].paper_id == "id-q", mode

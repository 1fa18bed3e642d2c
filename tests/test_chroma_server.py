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


@pytest.fixture
def chroma_server(tmp_path: Path):
    exe = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen(
        [exe, "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(tmp_path / "server")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
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
    stats = open_store(settings).stats()
    assert stats.papers == 2 and stats.location.startswith("chroma server http://127.0.0.1")
    answer = Engine(settings, auto_ingest=False).ask("How many experts are tokens routed to?")
    assert answer.citations and answer.citations[0].paper_id == "id-a"
    assert "64 experts" in answer.text


def test_unreachable_chroma_server_is_a_clear_error(tmp_path: Path):
    settings = make_settings(tmp_path, **{"chroma.host": "127.0.0.1", "chroma.port": free_port()})
    with pytest.raises(StoreUnavailableError, match="not answering"):
        open_store(settings)

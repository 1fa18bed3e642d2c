"""An ingest killed with SIGKILL part-way is completed by the next run: every paper once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from rag import open_store
from tests.conftest import make_settings, write_jsonl

pytestmark = pytest.mark.slow


def chunk_rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as con:
            return con.execute("select count(*) from embeddings").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_then_rerun_gives_each_paper_once(tmp_path: Path):
    n = 120
    records = [
        {"id": f"k{i}", "title": f"Study {i} of sparse attention variant {i * 7}",
         "abstract": " ".join(f"Sentence {j} about variant {i} reports accuracy {i + j}.{j}%." for j in range(12))}
        for i in range(n)
    ]
    src = write_jsonl(tmp_path / "many.jsonl", records)
    settings = make_settings(tmp_path, **{"chunking.size": 48, "chunking.overlap": 8})
    cmd = [sys.executable, "-m", "ui.cli", "ingest", str(src), "--index-path", str(settings.index_path),
           "--chunk-size", "48", "--chunk-overlap", "8"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = settings.index_path / "chroma.sqlite3"
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and chunk_rows(db) == 0:
        time.sleep(0.1)
    assert proc.poll() is None, "ingest finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = chunk_rows(db)
    assert partial > 0

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-1500:]
    index = open_store(settings)
    metas = [m for _, m, _ in index.records(["metadatas"])]
    per_paper = Counter(m["paper_id"] for m in metas)
    assert len(per_paper) == n
    assert all(per_paper[m["paper_id"]] == m["n_chunks"] for m in metas)
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert "new 0 · updated 0 · unchanged 120" in again.stdout

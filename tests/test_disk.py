"""A full or read-only disk is a clear error before anything is half-written, and a run after
space is freed completes the index: real tmpfs mounts in a private mount namespace."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def _namespaces_work() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
        capture_output=True, timeout=30,
    )
    return probe.returncode == 0


@pytest.fixture(scope="module")
def steps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    if not _namespaces_work():
        pytest.skip("needs `unshare -rm` to mount a small tmpfs (user + mount namespaces)")
    root = tmp_path_factory.mktemp("disk")
    proc = subprocess.run(
        ["unshare", "-rm", sys.executable, "-m", "tests.disk_scenario", str(root)],
        capture_output=True, text=True, timeout=900, cwd=ROOT,
    )
    found = {}
    for line in proc.stdout.splitlines():
        if line.startswith('{"step"'):
            record = json.loads(line)
            found[record["step"]] = record
    assert proc.returncode == 0, proc.stderr[-3000:]
    return found


def test_disk_too_small_is_refused_up_front_with_nothing_written(steps):
    step = steps["too_small"]
    assert step["rc"] == 3
    assert "Traceback" not in step["stderr"]
    assert "not enough disk space" in step["stderr"] and "400 chunks" in step["stderr"]
    assert step["chunks"] == 0


def test_disk_filling_midway_names_the_full_disk_and_keeps_whole_papers(steps):
    step = steps["filled_midway"]
    assert step["type"] == "StoreUnavailableError"
    assert "is full" in step["error"] and "run `paperchat ingest` again" in step["error"]
    assert 0 < steps["after_full"]["papers"] < 400  # whole papers only (checked in papers_in)


def test_after_space_is_freed_the_rerun_completes_every_paper_once(steps):
    step = steps["rerun"]
    assert step["rc"] == 0, step["stderr"]
    assert step["papers"] == 400
    assert step["max_chunks"] == 1
    assert step["content_ok"] is True
    assert f"unchanged {steps['after_full']['papers']}" in step["stdout"]


def test_read_only_index_refuses_ingest_and_explains_why_it_cannot_be_queried(steps):
    ingest = steps["read_only_ingest"]
    assert ingest["rc"] == 3
    assert "not writable (Read-only file system)" in ingest["stderr"]
    assert "Traceback" not in ingest["stderr"]
    ask = steps["read_only_ask"]
    # Chroma opens its SQLite file read-write even for queries: the message must say so.
    assert "StoreUnavailableError" in ask["error"] and "not writable" in ask["error"]

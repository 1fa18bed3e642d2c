"""The default int8 encoder: built once from the packaged fp32 weights, cached, reused, and
close to fp32 (the same vector space for retrieval)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from ingest.embed import Int8MiniLM, TorchMiniLM
from ingest.readers import read_paths
from tests.conftest import ROOT


def test_prepare_builds_the_encoder_once_and_it_agrees_with_fp32(tmp_path: Path):
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    cmd = [sys.executable, "-m", "ui.cli", "prepare"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env, cwd=ROOT)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "int8 encoder ready in" in first.stdout
    built = list((tmp_path / "paperchat").glob("minilm-int8-*.onnx"))
    assert len(built) == 1 and built[0].stat().st_size > 10_000_000
    assert not list((tmp_path / "paperchat").glob(".build-*"))  # no half-built leftovers

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert "(already built)" in again.stdout and str(built[0]) in again.stdout

    papers = read_paths([ROOT / "data"]).papers[:64]
    texts = [f"{p.title}\n{p.abstract}" for p in papers] + ["How do I re-warm a model?"]
    int8 = Int8MiniLM(cache_dir=str(tmp_path / "paperchat"))
    assert int8.prepare() == (str(built[0]), False)
    a, b = int8.embed(texts), TorchMiniLM().embed(texts)
    cos = (a * b).sum(axis=1)
    assert cos.mean() > 0.99 and cos.min() > 0.97, cos
    # and it ranks like fp32: each abstract's nearest neighbour among the others is the same
    same = (np.argsort(-(a @ a.T), axis=1)[:, 1] == np.argsort(-(b @ b.T), axis=1)[:, 1]).mean()
    assert same > 0.9

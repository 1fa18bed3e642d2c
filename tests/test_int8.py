"""The default int8 encoder: built once from the packaged fp32 weights, cached, reused, close
to fp32 on this CPU (the same vector space for retrieval), and not used when it is not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.embed import Int8MiniLM, TorchMiniLM
from ingest.quantize import report_path
from ingest.readers import read_paths
from tests.conftest import ROOT

PREPARE = [sys.executable, "-m", "ui.cli", "prepare"]


def _prepare(cache_home: Path, timeout: int = 900) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    return subprocess.run(PREPARE, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess]:
    home = tmp_path_factory.mktemp("cache")
    return home, _prepare(home)


def test_prepare_builds_the_encoder_once_and_it_agrees_with_fp32(built):
    home, first = built
    assert first.returncode == 0, first.stderr[-2000:]
    assert "int8 encoder ready in" in first.stdout and "mean cosine to fp32" in first.stdout
    models = list((home / "paperchat").glob("minilm-int8-*.onnx"))
    assert len(models) == 1 and models[0].stat().st_size > 10_000_000
    assert not list((home / "paperchat").glob(".build-*"))  # no half-built leftovers

    again = _prepare(home, timeout=300)
    assert "(already built)" in again.stdout and str(models[0]) in again.stdout

    # Texts the build's own check did not see: abstracts from the middle of the corpus.
    papers = read_paths([ROOT / "data"]).papers[300:400]
    texts = [f"{p.title}\n{p.abstract}" for p in papers] + ["How do I re-warm a model?"]
    int8 = Int8MiniLM(cache_dir=str(home / "paperchat"))
    assert int8.prepare() == (str(models[0]), False)
    a, b = int8.embed(texts), TorchMiniLM().embed(texts)
    cos = (a * b).sum(axis=1)
    assert cos.mean() > 0.99 and cos.min() > 0.97, cos
    # and it ranks like fp32: each text's nearest neighbour under int8 is as close, in fp32
    # terms, as fp32's own nearest (exact ties between near-equal neighbours may flip)
    sim_b = b @ b.T - 2 * np.eye(len(texts))
    nn_a = (a @ a.T - 2 * np.eye(len(texts))).argmax(axis=1)
    regret = sim_b.max(axis=1) - sim_b[np.arange(len(texts)), nn_a]
    assert regret.max() <= 0.02, regret.max()
    assert (regret == 0).mean() > 0.8
    # the token vectors the soft coverage compares (rag.coverage): the same tokens, the same
    # directions as fp32's, whichever backend embeds
    text = texts[0][:600]
    (spans_a, tok_a), (spans_b, tok_b) = int8.token_states(text), TorchMiniLM().token_states(text)
    assert spans_a == spans_b and text[slice(*spans_a[0])].lower() in text.lower()
    assert (tok_a * tok_b).sum(axis=1).mean() > 0.95  # 0.995 on an AVX-512/VNNI Xeon; int8 kernels differ by CPU


def test_an_int8_build_that_falls_short_is_reported_and_fp32_is_used(built, tmp_path: Path):
    """A quantised model that drifts from fp32 (forced here by damaging its weights, as a bad
    kernel or recipe would) is named by `prepare` and never embeds: fp32 torch does."""
    import onnx
    from onnx import numpy_helper

    home, first = built
    assert first.returncode == 0
    good = next((home / "paperchat").glob("minilm-int8-*.onnx"))
    bad_home = tmp_path / "cache"
    (bad_home / "paperchat").mkdir(parents=True)
    model = onnx.load(str(good))
    rng = np.random.default_rng(0)
    damaged = 0
    for init in model.graph.initializer:
        w = numpy_helper.to_array(init)
        if w.dtype == np.int8 and w.ndim == 2:  # the quantised weights
            noisy = np.clip(w.astype(np.int16) + rng.integers(-40, 41, w.shape), -127, 127)
            init.CopyFrom(numpy_helper.from_array(noisy.astype(np.int8), init.name))
            damaged += 1
    assert damaged >= 6
    onnx.save(model, str(bad_home / "paperchat" / good.name))

    out = _prepare(bad_home, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "falls short of fp32 on this CPU" in out.stderr and "using fp32 torch instead" in out.stderr
    assert "not used: fp32 torch will embed instead" in out.stdout
    assert report_path(bad_home / "paperchat" / good.name).exists()

    texts = ["Low-rank adapters for speech recognition.", "A diffusion model for proteins."]
    enc = Int8MiniLM(cache_dir=str(bad_home / "paperchat"))
    got = enc.embed(texts)
    assert enc.quality is not None and not enc.quality.ok
    assert np.allclose(got, TorchMiniLM().embed(texts), atol=1e-5)  # fp32, not the damaged int8


def test_a_question_embedded_alone_gives_its_token_states_from_the_same_pass():
    """The dense search embeds the question, then soft coverage reads its token vectors: the
    second comes from the first's encoder pass, and is exactly what a pass of its own gives."""
    encoder = Int8MiniLM()  # the encoder `paperchat prepare` built
    question = "Which work keeps most weights frozen at their random values and only trains a handful?"
    spans, fresh = encoder.token_states(question)
    runs = []
    real = encoder._session.run  # noqa: SLF001 - counting the encoder's passes
    encoder._session.run = lambda *a, **k: runs.append(1) or real(*a, **k)  # noqa: SLF001
    encoder.embed([question])
    again_spans, again = encoder.token_states(question)
    assert len(runs) == 1 and again_spans == spans and np.array_equal(again, fresh)
    encoder.token_states(question)  # kept for one read only: a later one runs the encoder
    assert len(runs) == 2

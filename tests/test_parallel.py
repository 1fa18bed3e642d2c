"""Ingest beyond one process: a local process pool (fast tier, fake embedder) and a two-worker
local Ray cluster writing to a real `chroma run` server (slow tier, the real encoder)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.embed import CachedEmbedder
from rag import Engine, ingest_paths, open_store
from tests.conftest import ROOT, make_settings
from tests.fakes import HashEmbedder

FIXTURE = ROOT / "tests" / "fixtures" / "papers20.jsonl"
PAPERS = [json.loads(line) for line in FIXTURE.read_text().splitlines() if line.strip()]


def _vectors(settings) -> dict[str, np.ndarray]:  # noqa: ANN001
    index = open_store(settings, check_model=False)
    ids = [cid for cid, _, _ in index.records(["metadatas"])]
    return {cid: np.asarray(v) for cid, v in index.embeddings(ids).items()}


def test_a_process_pool_ingests_the_same_index_as_one_process(tmp_path: Path):
    one = make_settings(tmp_path / "one")
    pool = make_settings(tmp_path / "pool", **{"embedding.workers": 2, "chunking.size": 64, "chunking.overlap": 8})
    one = one.with_overrides(**{"chunking.size": 64, "chunking.overlap": 8})  # several batches' worth of chunks
    ingest_paths(one, [FIXTURE], embedder=CachedEmbedder(HashEmbedder()))
    report = ingest_paths(pool, [FIXTURE], embedder=CachedEmbedder(HashEmbedder()))
    assert report.new == 20
    a, b = _vectors(one), _vectors(pool)
    assert a.keys() == b.keys() and len(a) > 20
    assert all(np.allclose(a[k], b[k]) for k in a)


@pytest.mark.server
@pytest.mark.slow
def test_a_two_worker_ray_cluster_ingests_into_a_chroma_server_every_paper_once(tmp_path: Path):
    ray = pytest.importorskip("ray")
    from tests.test_chroma_server import free_port, start_server

    port = free_port()
    server = start_server(tmp_path / "server", port)
    ray.init(num_cpus=2, include_dashboard=False, ignore_reinit_error=True, log_to_driver=False)
    try:
        settings = make_settings(tmp_path, **{
            "chroma.host": "127.0.0.1", "chroma.port": port, "chroma.lexical_path": tmp_path / "lexical",
            "embedding.ray_address": "auto", "embedding.workers": 2,
        })
        report = ingest_paths(settings, [FIXTURE])  # the real int8 encoder, loaded in each actor
        assert report.new == 20 and report.chunks_written >= 20
        fresh = Engine(settings.with_overrides(**{"embedding.ray_address": None}), auto_ingest=False)
        metas = [m for _, m, _ in fresh.index.records(["metadatas"])]
        ids = [m["paper_id"] for m in metas if m["chunk_no"] == 0]
        assert sorted(ids) == sorted(f"id-{p['id']}" for p in PAPERS)  # every paper, once
        for p in PAPERS:
            top = fresh.retriever.retrieve(p["title"], top_k=1).sources[0]
            assert top.paper_id == f"id-{p['id']}", p["title"]
    finally:
        ray.shutdown()
        server.terminate()
        server.wait(timeout=30)

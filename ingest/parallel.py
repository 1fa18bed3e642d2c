"""Embedding beyond one process: a local process pool (``--workers N``) or a Ray cluster
(``--ray [ADDRESS]``, the optional ``ray`` extra).

Both are a *vector map*: write batches of chunk texts in, their vectors out, in order. Only the
embedding moves; the ingest process still plans the batches, writes whole papers to Chroma and
the lexical index, and keeps the crash-safety of a local ingest. Workers build their own
embedder from a picklable factory (the settings' backend), each with its share of the cores.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

import numpy as np

from .embed import Embedder
from .errors import IngestError

_RAY_WINDOW = 64  # write batches (of ~256 chunks) per Ray dataset
VectorMap = Callable[[Iterable[list[str]]], Iterator[np.ndarray]]
EmbedderFactory = Callable[[], Embedder]


def local(embedder: Embedder) -> VectorMap:
    """One process: the default."""

    def run(batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        for texts in batches:
            yield embedder.embed(texts)

    return run


_worker: Embedder | None = None


def _init(factory: EmbedderFactory, threads: int) -> None:
    global _worker
    os.environ["PAPERCHAT_THREADS"] = str(threads)  # read by the encoders when they load
    _worker = factory()


def _embed(texts: list[str]) -> np.ndarray:
    assert _worker is not None
    return _worker.embed(texts)


def process_pool(factory: EmbedderFactory, workers: int) -> VectorMap:
    """``workers`` processes, each with cores/workers threads; at most two batches per worker
    in flight, so memory does not grow with the corpus."""
    threads = max(1, (os.cpu_count() or 1) // workers)

    def run(batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        import multiprocessing as mp

        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init,
                                 initargs=(factory, threads)) as pool:
            pending: deque[Future] = deque()
            for texts in batches:
                pending.append(pool.submit(_embed, texts))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

    return run


def ray_cluster(factory: EmbedderFactory, address: str | None, workers: int) -> VectorMap:
    """Ray Data ``map_batches`` over a Ray cluster (``address``: ``auto``, ``ray://host:10001``
    or None for a local one), ``workers`` embedding actors, results in order."""
    try:
        import ray
    except ImportError:
        raise IngestError("--ray needs the ray extra: pip install 'paperchat[ray]'") from None

    class Embed:
        def __init__(self) -> None:
            self.embedder = factory()

        def __call__(self, batch: dict) -> dict:
            vectors = [self.embedder.embed(list(texts)) for texts in batch["texts"]]
            return {"i": batch["i"], "vectors": np.array([v.astype(np.float32).tobytes() for v in vectors], dtype=object)}

    def run(batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        if not ray.is_initialized():
            ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False)
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        window: list[list[str]] = []
        for texts in batches:  # a window of batches per dataset: driver memory stays bounded
            window.append(list(texts))
            if len(window) >= _RAY_WINDOW:
                yield from _window(window)
                window = []
        if window:
            yield from _window(window)

    def _window(window: list[list[str]]) -> Iterator[np.ndarray]:
        items = [{"i": i, "texts": texts} for i, texts in enumerate(window)]
        ds = ray.data.from_items(items, override_num_blocks=min(len(items), 4 * workers))
        out = ds.map_batches(Embed, batch_size=1, concurrency=workers, batch_format="numpy")
        for row in out.iter_rows():
            yield np.frombuffer(row["vectors"], dtype=np.float32).reshape(len(window[row["i"]]), -1)

    return run

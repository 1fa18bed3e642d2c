"""Settings → the ingest layer's plain arguments (the one place that maps them)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ingest import (
    Index,
    IngestReport,
    check_writable,
    get_embedder,
    ingest,
    open_index,
)
from ingest.embed import CachedEmbedder

from .settings import Settings


def embedder_for(settings: Settings) -> CachedEmbedder:
    """The shared embedder for these settings (loaded once per process)."""
    e = settings.embedding
    return get_embedder(
        e.backend,
        model=e.model,
        base_url=e.base_url,
        api_key=e.api_key.get_secret_value() if e.api_key else None,
        max_tokens=e.max_tokens,
        batch_size=e.batch_size,
        cache_dir=str(e.cache_dir) if e.cache_dir else None,
    )


def vector_map(settings: Settings, embedder: CachedEmbedder | None = None):  # noqa: ANN201
    """Where ingest embeds: here (None), a local process pool, or a Ray cluster."""
    import functools

    from ingest import parallel

    e = settings.embedding
    if e.workers <= 1 and not e.ray_address:
        return None
    if embedder is not None:  # your own embedder: it must pickle to reach the workers
        factory = functools.partial(_same, embedder.inner)
    else:
        factory = functools.partial(
            get_embedder, e.backend, model=e.model, base_url=e.base_url,
            api_key=e.api_key.get_secret_value() if e.api_key else None,
            max_tokens=e.max_tokens, batch_size=e.batch_size, cache_dir=str(e.cache_dir) if e.cache_dir else None,
        )
    if e.ray_address:
        return parallel.ray_cluster(factory, None if e.ray_address == "local" else e.ray_address, e.workers)
    return parallel.process_pool(factory, e.workers)


def _same(embedder):  # noqa: ANN001, ANN202
    return embedder


def _model_of(embedder: CachedEmbedder) -> tuple[str, int]:
    inner = embedder.inner
    dim = inner.probe_dim() if hasattr(inner, "probe_dim") else embedder.dim
    return embedder.model_name, dim


def open_store(
    settings: Settings, *, create: bool = False, check_model: bool = True, embedder: CachedEmbedder | None = None
) -> Index:
    """Open the configured collection; ``create`` makes it if missing (for ingest). ``embedder``:
    one of your own instead of the settings' (the index records which model made it)."""
    c = settings.chroma
    model = _model_of(embedder or embedder_for(settings)) if (create or check_model) else None
    return open_index(
        path=None if c.host else settings.index_path,
        host=c.host,
        port=c.port,
        collection=c.collection,
        model=model,
        create=create,
        lexical_path=c.lexical_path,
        search_ef=c.search_ef,
    )


def ingest_paths(
    settings: Settings,
    paths: Iterable[str | Path] | None = None,
    *,
    prune: bool = False,
    progress=None,  # noqa: ANN001 - ingest.pipeline.Progress
    embedder: CachedEmbedder | None = None,
) -> IngestReport:
    """Ingest ``paths`` (default: the settings' data dir) into the configured index, embedding
    with the settings' model or ``embedder``."""
    custom = embedder is not None
    embedder = embedder or embedder_for(settings)
    from ingest.readers import first_readable

    targets = list(paths) if paths else [settings.data_dir]
    # No index is created for input with nothing to read; ``ingest`` then reads the files
    # (only those whose digest changed) piece by piece, each piece before its writes.
    if not settings.chroma.host and not (Path(settings.index_path) / "chroma.sqlite3").exists():
        first_readable(targets)
    if not settings.chroma.host:
        check_writable(settings.index_path)
    index = open_store(settings, create=True, embedder=embedder)
    return ingest(
        targets,
        index,
        embedder,
        chunk_size=settings.chunking.size,
        chunk_overlap=settings.chunking.overlap,
        chunk_unit=settings.chunking.unit,
        sentence_vectors=settings.chunking.sentence_vectors,
        token_vectors=settings.chunking.token_vectors,
        prune=prune,
        progress=progress,
        vectors=vector_map(settings, embedder if custom else None),
    )

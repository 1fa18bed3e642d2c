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
    embedder = embedder or embedder_for(settings)
    from ingest import read_paths

    targets = list(paths) if paths else [settings.data_dir]
    read = read_paths(targets)  # validate every file before touching (or creating) the index
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
        prune=prune,
        progress=progress,
        already_read=read,
    )

"""Ingest: files of abstracts → chunks → embeddings → a Chroma collection."""

from .embed import Embedder, get_embedder
from .errors import IndexMismatchError, IngestError, StoreUnavailableError
from .index import Index, IndexStats, check_writable, open_index
from .models import Chunk, Paper, Skipped
from .pipeline import IngestReport, ingest
from .readers import ReadResult, read, read_paths

__all__ = [
    "Chunk",
    "Embedder",
    "Index",
    "IndexMismatchError",
    "IndexStats",
    "IngestError",
    "IngestReport",
    "Paper",
    "ReadResult",
    "Skipped",
    "StoreUnavailableError",
    "check_writable",
    "get_embedder",
    "ingest",
    "open_index",
    "read",
    "read_paths",
]

"""Typed errors raised by ingest; the CLI and UI turn them into one-line messages."""


class IngestError(Exception):
    """A user-facing problem with input files or the index (message names the culprit)."""


class IndexMismatchError(IngestError):
    """The collection was built with another embedding model or dimension."""


class StoreUnavailableError(IngestError):
    """The Chroma store (on disk or a server) cannot be reached or written."""

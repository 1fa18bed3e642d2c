"""Models paperchat trained and ships in ``models/``: read only when they match the sha256
written beside them, so a stale or hand-edited file is refused with the command that rebuilds it."""

from __future__ import annotations

import hashlib
from pathlib import Path


def read_checked(path: Path, trainer: str, error: type[Exception]) -> bytes:
    """The bytes of ``path`` after checking them against ``<path>.sha256``; ``error`` (naming
    ``trainer``, the script that rebuilds the model) when the file or its digest is missing or
    they do not match."""
    path = Path(path)
    if not path.exists():
        raise error(f"the model {path} is missing: run {trainer} (models/README.md)")
    want = path.with_name(path.name + ".sha256")
    if not want.exists():
        raise error(f"{want} is missing: the model {path.name} cannot be checked")
    raw = path.read_bytes()
    if not want.read_text().startswith(hashlib.sha256(raw).hexdigest()):
        raise error(f"{path} does not match {want.name}: re-run {trainer}")
    return raw

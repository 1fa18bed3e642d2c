"""Which files an index was built from: their digests and the papers each contributed.

A re-ingest compares digests and reads only the files that changed, and looks up only their
papers in Chroma, so an unchanged corpus costs file hashing and an addition costs what was
added. Trusted only at the Chroma state (collection id and revision) it was written at, with the same chunking: after
any other writer (an older version, another machine on a server, a crash) the ingest falls
back to reading everything and comparing every paper, then writes a fresh manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

FILE = "files.json"
VERSION = 1


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


@dataclass
class Manifest:
    revision: str = ""  # Index.state_key() when written
    chunking: str = ""
    files: dict[str, dict] = field(default_factory=dict)  # path -> {"sha256", "papers": [ids]}

    @classmethod
    def load(cls, directory: Path | None) -> Manifest:
        if directory is None:
            return cls()
        try:
            raw = json.loads((directory / FILE).read_text())
        except (OSError, ValueError):
            return cls()
        if raw.get("version") != VERSION:
            return cls()
        return cls(str(raw.get("revision", "")), str(raw.get("chunking", "")), dict(raw.get("files", {})))

    def trusted(self, revision: str, chunking: str) -> bool:
        return self.revision == revision and self.chunking == chunking and bool(self.files)

    def save(self, directory: Path | None) -> None:
        if directory is None:
            return
        directory.mkdir(parents=True, exist_ok=True)
        tmp = directory / f".{FILE}.tmp"
        body = {"version": VERSION, "revision": self.revision, "chunking": self.chunking, "files": self.files}
        tmp.write_text(json.dumps(body, separators=(",", ":")))
        os.replace(tmp, directory / FILE)

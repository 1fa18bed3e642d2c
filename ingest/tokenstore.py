"""Each paper's token vectors, stored at ingest so soft coverage encodes no paper at question time.

Soft coverage (``rag.coverage``) matches the question's words to the contextual token vectors
of a paper's title and abstract. Encoding a paper costs about 17 ms on 2 cores, so reranking
the top 15 by it cost 0.25 s a question; read from here it costs a row lookup. A paper's vectors
are the encoder's own ``token_states`` of its first chunk as embedded (title and the abstract's
opening sentences within the encoder's 256 WordPieces, about what one pass over ``coverage_text``
reads), taken by the ingest from the very pass that embeds that chunk, so they cost no encoding
of their own (one unpadded pass per chunk: int8 activations are quantised per batch, and a padded
batch moved token vectors by up to 0.05 in cosine). Every chunk's tokens, the whole abstract,
were measured and not kept: more tokens let an off-topic question's words find close ones (README,
stop 49). They are stored int8, each token scaled to ±127 (its unit vector, read back, has cosine
≥ 0.9999 to the float one; the scale itself cancels, so it is not kept), about 95 KB a paper. A
paper without a row is encoded at question time in one pass over ``coverage_text``.

One SQLite file per collection, beside the index (``tokens_path``). Rows are keyed by a hash of
the text, so a changed abstract is never read with an old vector; a paper's rows go with its
chunks (``Index.delete``). Everything here is an accelerator: a paper without a row, a store of
another encoder, or an unreadable file means the paper is encoded at question time, as before.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np

FILE = "paperchat-tokens"
# the row layout: a store written with another is refilled (stop 40's kept a scale per token;
# stop 41's read one pass over ``coverage_text``, where rows are now the first chunk's, as embedded)
FORMAT = "int8 unit rows, first chunk"


def coverage_text(title: str, abstract: str) -> str:
    """The text soft coverage reads for a paper (what is stored, and what is looked up)."""
    return f"{title}. {abstract}"


def text_key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def states_name(model: object) -> str:
    """Which encoder's token vectors ``model.token_states`` gives."""
    return str(getattr(model, "states_name", "") or f"{getattr(model, 'model_name', '')}/{type(model).__name__}")


def tokens_path(location: Path, collection: str) -> Path:
    return location / FILE / f"{collection}.sqlite3"


def lacks_tokens(store: TokenStore | None, model: object, state: str) -> bool:
    """An ingest with this embedder would store token vectors the index lacks: ``model`` has
    token vectors (an OpenAI embedder has none) and the store is not complete for ``state``."""
    return store is not None and hasattr(model, "token_states") and store.synced() != state


class TokenStore:
    """``get_many(texts, model)``, ``put(rows)``, ``delete_papers(ids)``; the file is created on first write."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # one connection, shared by the page's worker threads

    def _connect(self, create: bool) -> sqlite3.Connection | None:
        if self._db is None:
            if not create and not self.path.exists():
                return None
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, paper_id TEXT NOT NULL, "
                       "n INTEGER NOT NULL, data BLOB NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS vectors_paper ON vectors (paper_id)")
            db.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)")
            db.commit()
            self._db = db
        return self._db

    # -- reading -----------------------------------------------------------------------
    def get_many(self, texts: list[str], model: str) -> dict[str, np.ndarray]:
        """The stored unit token vectors of these texts by encoder ``model``, in one query (a
        rerank's pool); texts without vectors are left out."""
        keys = {text_key(t): t for t in texts}
        try:
            with self._lock:
                db = self._connect(create=False)
                if db is None or not keys:
                    return {}
                marks = ",".join("?" * len(keys))
                rows = db.execute(f"SELECT key, n, data FROM vectors WHERE key IN ({marks}) AND "  # noqa: S608
                                  "(SELECT v FROM meta WHERE k = 'model') = ?", [*keys, model]).fetchall()
        except sqlite3.Error:
            return {}  # encoded instead
        out = {}
        for key, n, data in rows:
            v = np.frombuffer(data, dtype=np.int8).reshape(n, -1).astype(np.float32)
            v *= (1.0 / np.maximum(np.sqrt(np.einsum("ij,ij->i", v, v)), 1e-12))[:, None]
            out[keys[key]] = v
        return out

    def missing(self, keys: Iterable[str]) -> set[str]:
        """Which of these text keys have no row."""
        keys = list(keys)
        with self._lock:
            db = self._connect(create=True)
            assert db is not None
            have: set[str] = set()
            for lo in range(0, len(keys), 500):
                part = keys[lo : lo + 500]
                marks = ",".join("?" * len(part))
                have.update(k for (k,) in db.execute(f"SELECT key FROM vectors WHERE key IN ({marks})", part))  # noqa: S608
        return set(keys) - have

    def synced(self) -> str | None:
        """The index state the store was last completed for (``mark_synced``); None for a store
        of another row layout."""
        try:
            with self._lock:
                db = self._connect(create=False)
                if db is None or self._meta(db, "format") != FORMAT:
                    return None
                return self._meta(db, "synced")
        except sqlite3.Error:
            return None

    @staticmethod
    def _meta(db: sqlite3.Connection, k: str) -> str | None:
        row = db.execute("SELECT v FROM meta WHERE k = ?", (k,)).fetchone()
        return None if row is None else str(row[0])

    # -- writing -----------------------------------------------------------------------
    def begin(self, model: str) -> bool:
        """Before writing ``model``'s vectors: a store of another encoder or row layout is
        emptied (True)."""
        with self._lock:
            db = self._connect(create=True)
            assert db is not None
            if self._meta(db, "model") == model and self._meta(db, "format") == FORMAT:
                return False
            with db:
                db.execute("DROP TABLE IF EXISTS states")  # the earlier layout's rows
                db.execute("DELETE FROM vectors")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (model,))
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT,))
                db.execute("DELETE FROM meta WHERE k = 'synced'")
            db.execute("VACUUM")  # give the dropped rows' space back
            return True

    def put(self, rows: Iterable[tuple[str, str, np.ndarray]]) -> None:
        """(paper id, text, unit token vectors) rows, in one transaction."""
        out = []
        for paper_id, text, states in rows:
            scales = np.maximum(np.abs(states).max(axis=1, keepdims=True), 1e-12) / 127.0
            q = np.clip(np.rint(states / scales), -127, 127).astype(np.int8)
            out.append((text_key(text), paper_id, len(states), q.tobytes()))
        with self._lock:
            db = self._connect(create=True)
            assert db is not None
            with db:
                db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?, ?)", out)

    def delete_papers(self, paper_ids: Iterable[str]) -> None:
        ids = list(paper_ids)
        with self._lock:
            db = self._connect(create=False)
            if db is None or not ids:
                return
            with db:
                for lo in range(0, len(ids), 500):
                    part = ids[lo : lo + 500]
                    db.execute(f"DELETE FROM vectors WHERE paper_id IN ({','.join('?' * len(part))})", part)  # noqa: S608

    def mark_synced(self, state: str) -> None:
        with self._lock:
            db = self._connect(create=True)
            assert db is not None
            with db:
                db.execute("INSERT OR REPLACE INTO meta VALUES ('synced', ?)", (state,))

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

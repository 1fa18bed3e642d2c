"""Save a local Chroma's vector graph after an ingest, and never load it mid-save.

Chroma (1.x, on disk) keeps each collection's HNSW graph in memory and writes it out every
``sync_threshold`` (1,000) log entries; every process that opens the collection replays the
entries since the last save into its graph. That replay is up to a thousand graph inserts on
every cold open (0.5 s of a 3 s cold open at 300k chunks). Chroma has no flush call and reads
the threshold only when a process loads the graph, so after an ingest we lower the stored
threshold, have a short-lived process load the collection (its replay crosses the threshold
and saves), and put the threshold back.

While the threshold is lowered, another process that loads the graph would keep the low value
for its life and could save alongside the helper. A file lock marks the window: the saver and
its helper hold it; a process about to load the graph (``await_vector_save``) waits while the
threshold is lowered and the lock is held. Lowered with the lock free means a saver died
mid-way: the reader puts the threshold back. Without ``fcntl`` (Windows) nothing is saved.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no save, so nothing to wait for
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "paperchat-vector-save.lock"  # in the index directory; holds the threshold to restore
LOWERED = 2  # the stored threshold during a save; no one configures a graph to save every 2 writes
CHROMA_DEFAULT = 1000
MIN_BACKLOG = 100  # fewer unsaved entries replay in < 0.1 s; the save costs a process start
WAIT_S = 120.0  # a save at 1M chunks takes ~10 s; past this, load anyway


def hnsw_config(collection: Any) -> dict[str, Any]:
    """A collection's stored vector-graph settings as Chroma returned them."""
    return (getattr(collection, "configuration_json", None) or {}).get("hnsw") or {}


def threshold(collection: Any) -> int:
    """The stored ``sync_threshold`` of a collection."""
    return int(hnsw_config(collection).get("sync_threshold", CHROMA_DEFAULT))


def unsaved_entries(directory: Path, collection_id: str) -> int | None:
    """Log entries the collection's saved graph lacks (every cold open replays them), read
    from Chroma's own bookkeeping tables; None when they do not look as expected."""
    try:
        con = sqlite3.connect(f"file:{directory / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=5)
        try:
            (n,) = con.execute(
                "select count(*) from embeddings_queue where topic like ? and seq_id > coalesce(("
                " select m.seq_id from max_seq_id m join segments s on s.id = m.segment_id"
                " where s.collection = ? and s.scope = 'VECTOR'), 0)",
                (f"%/{collection_id}", collection_id),
            ).fetchone()
            return int(n)
        finally:
            con.close()
    except sqlite3.Error:
        return None


def save_vectors(client: Any, name: str, directory: Path) -> bool:
    """Have the graph of collection ``name`` saved to disk (best effort: a failure costs only
    the replay it would have spared). True when a save ran."""
    if fcntl is None:
        return False
    try:
        stored = client.get_collection(name, embedding_function=None)
    except Exception:  # noqa: BLE001 - an optimisation; the ingest itself succeeded
        return False
    backlog = unsaved_entries(directory, str(stored.id))
    if backlog is not None and backlog < MIN_BACKLOG:
        return False
    keep = threshold(stored)
    keep = CHROMA_DEFAULT if keep == LOWERED else keep  # a dead saver's leftover
    with open(directory / LOCK_FILE, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        lock.truncate()
        lock.write(str(keep))
        lock.flush()
        try:
            if not set_hnsw(stored, 20, sync_threshold=LOWERED):
                return False
            # the helper inherits the lock: were this process killed, readers still wait for it
            subprocess.run(
                [sys.executable, "-c", _LOAD_ONCE, str(directory), name],
                check=True, capture_output=True, timeout=600, pass_fds=(lock.fileno(),),
            )
            return True
        except Exception:  # noqa: BLE001 - best effort, as above
            return False
        finally:
            try:  # if this fails too, the next process to open the index puts it back
                set_hnsw(stored, 50, sync_threshold=keep)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


def set_hnsw(collection: Any, tries: int, **values: Any) -> bool:
    """Store vector-graph settings (``sync_threshold=…``, ``ef_search=…``), retrying while
    another process's write holds SQLite's lock (Chroma raises InternalError "database is
    locked"); False if it never took."""
    for attempt in range(tries):
        try:
            collection.modify(configuration={"hnsw": values})
            return True
        except Exception:  # noqa: BLE001 - see above
            time.sleep(min(0.05 * (attempt + 1), 0.5))
    return False


def await_vector_save(client: Any, collection: Any, directory: Path) -> Any:
    """Call before this process first reads ``collection`` (which loads its graph): wait out
    a save in progress, and undo a dead saver's lowered threshold. Returns the collection to
    use (read again if it waited)."""
    if fcntl is None or threshold(collection) != LOWERED:
        return collection
    path = directory / LOCK_FILE
    deadline = time.monotonic() + WAIT_S
    try:
        with open(path, "a+") as lock:
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        return collection
                    time.sleep(0.05)
            try:
                fresh = client.get_collection(collection.name, embedding_function=None)
                if threshold(fresh) == LOWERED:  # the saver died before putting it back
                    lock.seek(0)
                    set_hnsw(fresh, 10, sync_threshold=int(lock.read().strip() or CHROMA_DEFAULT))
                    fresh = client.get_collection(collection.name, embedding_function=None)
                return fresh
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    except Exception:  # noqa: BLE001 - a read-only directory, or Chroma refused: load as is
        return collection


# Run in a fresh process: open the collection once, which loads the graph with the lowered
# threshold and saves it after replaying the log.
_LOAD_ONCE = """
import sys
import chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False, allow_reset=False))
client.get_collection(sys.argv[2], embedding_function=None).count()
"""

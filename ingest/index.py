"""The Chroma collection: the only code that knows how it is laid out.

One record per chunk. Ids are ``<paper_id>#<chunk_no>``, so a re-run overwrites rather than
duplicates. Every chunk carries its paper's content hash, chunk count and chunking setting:
a paper is *complete* only when all its chunks with the current hash are present, which is
how a run after a crash or Ctrl-C knows what to finish. The collection's metadata records the
embedding model and dimension; opening it with another model is refused.

Beside it, ``<name>.sentences`` holds one vector per abstract sentence (ids ``<paper_id>#s<text
hash>``), written with the paper's chunks and deleted with them: the reader scores every sentence
of the retrieved papers against the question, and stored vectors spare encoding them on every
question. They only save time: a sentence the collection lacks is encoded when asked.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexMismatchError, IngestError, StoreUnavailableError
from .lexical import LexicalIndex, paper_rows, rows_from_records
from .models import Chunk, Paper, chunk_id_for, paper_of, paper_year, short_hash
from .tokenstore import TokenStore, tokens_path
from .vectorsave import await_vector_save, hnsw_config, save_vectors, set_hnsw

SCHEMA = 1
SOURCE_SEP = "\n"  # Chroma metadata values are scalars: sources are newline-joined paths
_PAGE = 2000
# Disk use of one chunk in an on-disk Chroma index (SQLite row, full-text index, write-ahead
# log, HNSW vector): 15-16 KB measured on the bundled corpus; the estimate keeps a margin.
BYTES_PER_CHUNK = 24 * 1024
BYTES_FIXED = 2 * 1024 * 1024
# ... and of one sentence vector (no document, so no full-text index): 2.7 KB measured
BYTES_PER_SENTENCE = 4 * 1024
SENTENCES = ".sentences"  # the sentence-vector collection's name: the chunk collection's + this


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


@dataclass
class PaperState:
    """What the index holds for one paper."""

    content_hash: str
    chunking: str
    n_chunks: int
    chunk_ids: set[str] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    title: str = ""
    meta_hash: str = ""

    @property
    def complete(self) -> bool:
        return len(self.chunk_ids) == self.n_chunks


@dataclass(frozen=True)
class IndexStats:
    papers: int
    chunks: int
    embedding_model: str
    embedding_dim: int
    location: str
    collection: str


class Index:
    """A handle on one Chroma collection (local directory or ``chroma run`` server)."""

    def __init__(
        self, client: object, collection: Any, location: str, path: Path | None = None,
        lexical: LexicalIndex | None = None, tokens: TokenStore | None = None,
    ) -> None:
        self._client = client
        self.collection = collection  # a chromadb Collection; used by rag's dense retriever
        self.location = location
        self.path = path  # the directory of an on-disk index; None on a Chroma server
        self.lexical = lexical  # the BM25 index that goes with the collection
        self.tokens = tokens  # each paper's token vectors for soft coverage (``ingest.tokenstore``)
        self._sentences: Any = None  # the sentence-vector collection, once looked up
        self._seen_revision: int | None = None  # the revision this handle's reads reflect
        self._vectors_revision: int | None = None  # ... and its loaded vector index (local client)

    # -- reading -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.collection.name

    @property
    def model(self) -> tuple[str, int]:
        meta = self.collection.metadata or {}
        return str(meta.get("paperchat:model", "")), int(meta.get("paperchat:dim", 0))

    def count(self) -> int:
        return self._call(self.collection.count)

    def records(self, include: list[str]) -> Iterable[tuple[str, dict, str | None]]:
        """Every chunk as (id, metadata, document), paged (BM25 is built from these)."""
        offset = 0
        while True:
            page = self._call(
                lambda o=offset: self.collection.get(include=include, limit=_PAGE, offset=o)
            )
            ids = page["ids"]
            if not ids:
                return
            docs = page.get("documents") or [None] * len(ids)
            metas = page.get("metadatas") or [None] * len(ids)
            for cid, meta, doc in zip(ids, metas, docs, strict=True):
                yield cid, meta or {}, doc
            if len(ids) < _PAGE:
                return
            offset += _PAGE

    def paper_states(self, paper_ids: Iterable[str] | None = None) -> dict[str, PaperState]:
        """What the index holds per paper: every paper, or only ``paper_ids`` (looked up by id,
        so the cost is theirs, not the collection's)."""
        states: dict[str, PaperState] = {}
        for cid, meta, _ in (self.records(["metadatas"]) if paper_ids is None else self.records_of(paper_ids)):
            pid = str(meta.get("paper_id", ""))
            state = states.get(pid)
            if state is None or state.content_hash != meta.get("paper_hash"):
                if state is not None:  # two versions of one paper: treat as incomplete
                    state.n_chunks = -1
                    state.chunk_ids.add(cid)
                    continue
                state = states[pid] = PaperState(
                    content_hash=str(meta.get("paper_hash", "")),
                    chunking=str(meta.get("chunking", "")),
                    n_chunks=int(meta.get("n_chunks", 0)),
                    sources=_split_sources(meta.get("sources")),
                    title=str(meta.get("title", "")),
                    meta_hash=str(meta.get("meta_hash", "")),
                )
            state.chunk_ids.add(cid)
        return states

    def records_of(self, paper_ids: Iterable[str], include: tuple[str, ...] = ("metadatas",)
                   ) -> Iterable[tuple[str, dict, str | None]]:
        """(id, metadata, document or None) of these papers' chunks, 500 papers a read."""
        ids = sorted(set(paper_ids))
        for lo in range(0, len(ids), 500):
            batch = ids[lo : lo + 500]
            got = self._call(lambda b=batch: self.collection.get(where={"paper_id": {"$in": b}}, include=list(include)))
            docs = got.get("documents") or [None] * len(got["ids"])
            for cid, meta, doc in zip(got["ids"], got["metadatas"], docs, strict=True):
                yield cid, meta or {}, doc

    def abstracts(self, paper_ids: Iterable[str]) -> dict[str, str]:
        """Full abstract text per paper, stored once on each paper's first chunk."""
        return {pid: abstract for pid, (_, abstract) in self.titles_and_abstracts(paper_ids).items()}

    def titles_and_abstracts(self, paper_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
        """(title, abstract) per paper, from each paper's first chunk."""
        ids = [chunk_id_for(pid, 0) for pid in dict.fromkeys(paper_ids)]
        out: dict[str, tuple[str, str]] = {}
        for lo in range(0, len(ids), 500):
            got = self._call(lambda b=ids[lo : lo + 500]: self.collection.get(ids=b, include=["metadatas"]))
            out.update({str(m.get("paper_id")): (str(m.get("title", "")), str(m.get("abstract", "")))
                        for m in got["metadatas"] if m is not None})
        return out

    def chunks_of(self, paper_ids: Iterable[str]) -> list[tuple[str, dict, str, list[float] | None]]:
        """Every chunk of these papers as (id, metadata, document, embedding); the embedding is
        None for a chunk another process added that this client's vector index has not loaded."""
        ids = list(dict.fromkeys(paper_ids))
        if not ids:
            return []
        where = {"paper_id": {"$in": ids}}
        try:
            got = self._call(lambda: self.collection.get(where=where, include=["metadatas", "documents", "embeddings"]))
            vectors = dict(zip(got["ids"], (list(e) for e in got["embeddings"]), strict=True))
        except StoreUnavailableError as exc:
            if not self._lacks_vectors(exc):
                raise
            got = self._call(lambda: self.collection.get(where=where, include=["metadatas", "documents"]))
            vectors = self.embeddings(got["ids"])
        return [
            (cid, meta or {}, doc or "", vectors.get(cid))
            for cid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
        ]

    def chunks(self, chunk_ids: Iterable[str]) -> dict[str, tuple[dict, str]]:
        """(metadata, document) of these chunks (the lexical index's hits, read back)."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids:
            return {}
        got = self._call(lambda: self.collection.get(ids=ids, include=["metadatas", "documents"]))
        return {
            cid: (meta or {}, doc or "")
            for cid, meta, doc in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
        }

    def passages(self, chunk_ids: Iterable[str]) -> dict[str, tuple[dict, str, str]]:
        """(metadata, text, its paper's whole abstract) of these chunks (a search's kept papers'
        best chunks), in one read: the chunks and their papers' first chunks."""
        ids = list(dict.fromkeys(chunk_ids))
        firsts = [chunk_id_for(paper_of(cid), 0) for cid in ids]
        got = self.chunks(ids + firsts)
        return {cid: (*got[cid], str(got.get(first, ({}, ""))[0].get("abstract", "")))
                for cid, first in zip(ids, firsts, strict=True) if cid in got}

    def embeddings(self, chunk_ids: Iterable[str]) -> dict[str, list[float]]:
        """The stored vectors of these chunks (no re-encoding). Chunks another process added
        since this local client loaded its vector index are missing until it reloads."""
        ids = list(dict.fromkeys(chunk_ids))
        if not ids:
            return {}
        try:
            got = self._call(lambda: self.collection.get(ids=ids, include=["embeddings"]))
        except StoreUnavailableError as exc:
            if not self._lacks_vectors(exc):
                raise
            out: dict[str, list[float]] = {}
            for cid in ids:  # one at a time: keep those the loaded vector index has
                try:
                    one = self.collection.get(ids=[cid], include=["embeddings"])
                    out.update({c: list(e) for c, e in zip(one["ids"], one["embeddings"], strict=True)})
                except Exception:  # noqa: BLE001, S112 - not loaded yet
                    continue
            return out
        return {cid: list(emb) for cid, emb in zip(got["ids"], got["embeddings"], strict=True)}

    def sentence_vectors(self, sentences: Iterable[tuple[str, str]]) -> dict[str, np.ndarray]:
        """The stored vectors of these (paper id, sentence text) pairs, by text; a pair the
        index lacks (a paper written before sentence vectors were, or by another process this
        client has not loaded) is left out, for the caller to encode."""
        ids = {sentence_id(pid, text): text for pid, text in sentences}
        col = self._sentence_collection()
        if col is None or not ids:
            return {}
        try:
            got = col.get(ids=list(ids), include=["embeddings"])
        except Exception:  # noqa: BLE001 - an accelerator: the reader encodes what it lacks
            return {}
        return {ids[i]: np.asarray(e, dtype=np.float32) for i, e in zip(got["ids"], got["embeddings"], strict=True)}

    def sentences_complete(self) -> bool:
        """Every paper's sentence vectors were written (False for an index built before they
        existed, until ``paperchat ingest`` fills them in)."""
        col = self._sentence_collection()
        return col is not None and bool((col.metadata or {}).get("paperchat:complete"))

    def _sentence_collection(self, create: bool = False) -> Any:
        """The sentence-vector collection of this chunk collection; None when there is none
        (or one left from another collection of the same name, which ``create`` replaces)."""
        if self._sentences is not None and not create:
            return self._sentences
        name = self.name + SENTENCES
        try:
            col = self._client.get_collection(name, embedding_function=None)
        except Exception:  # noqa: BLE001 - none yet
            col = None
        if col is not None and (col.metadata or {}).get("paperchat:of") != str(self.collection.id):
            if not create:
                return None
            self._call(lambda: self._client.delete_collection(name))
            col = None
        if col is None and create:
            # created beside an empty chunk collection, it gets every paper's sentences as the
            # paper is written: complete; beside a filled one, complete once filled in
            model, dim = self.model
            meta = {"hnsw:space": "cosine", "paperchat:of": str(self.collection.id), "paperchat:model": model,
                    "paperchat:dim": dim, "paperchat:complete": self.count() == 0}
            col = self._call(lambda: self._client.get_or_create_collection(name, metadata=meta, embedding_function=None))
        self._sentences = col
        return col

    def _lacks_vectors(self, exc: StoreUnavailableError) -> bool:
        """A read of stored vectors failed because this local client's vector index lacks
        chunks another process added. Judged by Chroma's message too, not only by the stale
        flag: the reload on a thread may swap clients (clearing the flag) between the failed
        read and this check, and that race failed a question in CI."""
        return self.path is not None and (self.stale_vectors or "error finding id" in str(exc).lower())

    def stats(self) -> IndexStats:
        if self.lexical is not None and self.lexical.synced_revision() == self.state_key():
            self.lexical.reload()  # another handle may have just written it (the page's upload)
            papers = self.lexical.paper_count()  # no scan of every chunk's metadata
        else:
            papers = len({m.get("paper_id") for _, m, _ in self.records(["metadatas"])})
        model, dim = self.model
        return IndexStats(
            papers=papers,
            chunks=self.count(),
            embedding_model=model,
            embedding_dim=dim,
            location=self.location,
            collection=self.name,
        )

    def revision(self) -> int:
        """The counter every ingest that changes the collection bumps, read fresh (another
        handle or process may have bumped it): one metadata lookup, whatever the size."""
        fresh = self._call(lambda: self._client.get_collection(self.name, embedding_function=None))
        return int((fresh.metadata or {}).get("paperchat:revision", 0))

    def state_key(self) -> str:
        """The collection's identity and revision: what the lexical index and the file manifest
        record having matched (a revision alone could repeat on a rebuilt or other server)."""
        return f"{self.collection.id}:{self.revision()}"

    def refresh(self) -> bool:
        """See the collection's current revision; True when another handle or process changed
        it since this handle last looked (the lexical searcher reloads then; for the vector
        index of a local client see ``stale_vectors``)."""
        rev = self.revision()
        if rev == self._seen_revision:
            return False
        first = self._seen_revision is None
        self._seen_revision = rev
        if first:
            self._vectors_revision = rev
        if self.lexical is not None:
            self.lexical.reload()
        return not first

    @property
    def stale_vectors(self) -> bool:
        """A local Chroma client keeps the vector index it loaded in memory, so papers another
        process adds stay invisible to its dense search until a client is opened again. Not so
        on a server, nor for changes this handle wrote itself."""
        return self.path is not None and self._vectors_revision != self._seen_revision

    def reopen(self) -> None:
        """Open the local client again and load its vector index (from disk and Chroma's log)
        before swapping it in; queries meanwhile keep using the old one. Slow on a big index:
        ``rag.retrieve`` runs it off the question path."""
        target = self._seen_revision
        client = _fresh_local_client(Path(self.path))
        collection = self._call(lambda: client.get_collection(self.name, embedding_function=None))
        collection = await_vector_save(client, collection, Path(self.path))
        dim = self.model[1] or 1
        self._call(lambda: collection.query(query_embeddings=[[0.0] * dim], n_results=1))  # load it now
        self._client, self.collection = client, collection
        self._sentences = None  # looked up again on the new client
        self._vectors_revision = target

    # -- the lexical index ---------------------------------------------------------------
    def lexical_current(self) -> bool:
        return self.lexical is not None and self.lexical.synced_revision() == self.state_key()

    def begin_write(self) -> None:
        """Before an ingest changes anything: take the lexical writer (one writer across
        processes), rebuild the lexical index from Chroma if it lags the collection, and bump
        the revision so a crash from here on leaves them visibly out of step."""
        if self.lexical is None:
            return
        self.lexical.begin(wait=_WRITER_WAIT)
        if self.lexical.synced_revision() != self.state_key():
            self._rebuild_lexical()
        self.bump_revision()

    def finish_write(self) -> None:
        """After an ingest: commit the lexical index and record the revision both match."""
        if self.lexical is None or not self.lexical.writing:
            return
        self.persist_vectors()  # while the lexical writer, still held, keeps other ingests out
        # keep the writer until the sync record names the new revision: an engine that saw the
        # revision move and found the writer free would otherwise take it to rebuild the index
        self.lexical.commit(release=False)
        try:
            self.bump_revision()  # readers reload on it, and see the committed lexical index
            self.lexical.mark_synced(self.state_key())
        finally:
            self.lexical.release()

    def persist_vectors(self) -> bool:
        """Save a local Chroma's vector graph, so no process replays this ingest's writes into
        it on its next cold open (``ingest.vectorsave``; a server saves on its own schedule)."""
        if self.path is None:
            return False
        if self._sentence_collection() is not None:
            save_vectors(self._client, self.name + SENTENCES, self.path)
        return save_vectors(self._client, self.name, self.path)

    def abort_write(self) -> None:
        """An ingest failed: keep what the lexical index has (only papers whose Chroma write
        succeeded) but leave it marked out of step, so the next ingest rebuilds it."""
        if self.lexical is not None and self.lexical.writing:
            try:
                self.lexical.commit()
            except Exception:  # noqa: BLE001 - the original error is the one to report
                self.lexical.rollback()

    def ensure_lexical(self) -> bool:
        """Bring a lagging lexical index up to date (an index built before it existed, or
        written to by something that does not maintain it), unless another process is writing
        it now; True when it is current."""
        if self.lexical is None:
            return False
        if self.lexical_current():
            return True
        from .lexical import LexicalBusyError

        try:
            self.lexical.begin()
        except LexicalBusyError:
            return False  # an ingest (or another engine) is writing; it leaves the index current
        try:
            if self.lexical.synced_revision() != self.state_key():
                self._rebuild_lexical()
            self.lexical.commit(release=False)  # the record first, then the writer goes
            self.lexical.mark_synced(self.state_key())
        finally:
            self.lexical.release()  # a failed rebuild's rows are dropped
        return True

    def _rebuild_lexical(self) -> None:
        assert self.lexical is not None
        self.lexical.delete_all()
        self.lexical.add(rows_from_records(self.records(["metadatas", "documents"])))

    # -- writing -----------------------------------------------------------------------
    def write(
        self,
        papers: Sequence[Paper],
        chunks: Sequence[Chunk],
        vectors: np.ndarray,
        chunking: str,
        sentences: Sequence[tuple[str, str]] = (),
        sentence_vectors: np.ndarray | None = None,
    ) -> None:
        """Upsert the chunks of whole papers (ids are deterministic: re-runs overwrite), and
        their (paper id, sentence) vectors first: a paper whose chunks are all written is
        complete, so a crash between the two must not leave one without its sentences."""
        if sentences:
            self.write_sentences(sentences, sentence_vectors)
        by_id = {p.paper_id: p for p in papers}
        metadatas = []
        for chunk in chunks:
            paper = by_id[chunk.paper_id]
            meta = _paper_metadata(paper)
            meta.update(
                paper_id=paper.paper_id,
                title=paper.title,
                paper_hash=paper.content_hash,
                chunking=chunking,
                chunk_no=chunk.chunk_no,
                n_chunks=chunk.n_chunks,
                start=chunk.start,
                end=chunk.end,
                sources=SOURCE_SEP.join(paper.sources),
            )
            if chunk.chunk_no == 0:
                meta["abstract"] = paper.abstract
            metadatas.append(meta)
        self._call(
            lambda: self.collection.upsert(
                ids=[c.chunk_id for c in chunks],
                documents=[c.text for c in chunks],
                embeddings=vectors,
                metadatas=metadatas,
            )
        )
        if self.lexical is not None and self.lexical.writing:  # after Chroma: lexical ⊆ dense
            items: dict[str, list[tuple[str, dict, str]]] = {}
            for chunk, meta in zip(chunks, metadatas, strict=True):
                items.setdefault(chunk.paper_id, []).append((chunk.chunk_id, meta, chunk.text))
            self.lexical.add(row for pid, its in items.items() for row in paper_rows(pid, its))
        elif self.lexical is not None:  # a write outside an ingest: the lexical index must notice
            self.bump_revision()

    def write_sentences(self, sentences: Sequence[tuple[str, str]], vectors: np.ndarray | None) -> None:
        assert vectors is not None and len(vectors) == len(sentences)
        col = self._sentence_collection(create=True)
        ids = [sentence_id(pid, text) for pid, text in sentences]
        unique = dict(zip(ids, range(len(ids)), strict=True))  # a sentence repeated in one abstract
        rows = list(unique.values())
        self._call(lambda: col.upsert(
            ids=list(unique), embeddings=vectors[rows], metadatas=[{"paper_id": sentences[i][0]} for i in rows],
        ))

    def mark_sentences_complete(self) -> None:
        col = self._sentence_collection(create=True)
        meta = {k: v for k, v in (col.metadata or {}).items() if k != "hnsw:space"}
        self._call(lambda: col.modify(metadata={**meta, "paperchat:complete": True}))
        self._sentences = None  # read the metadata afresh

    def set_metadata(self, paper: Paper, chunk_ids: Iterable[str]) -> None:
        """Rewrite a paper's metadata (a corrected year or author list) without re-embedding."""
        ids = sorted(chunk_ids)
        meta = _paper_metadata(paper)
        self._call(lambda: self.collection.update(ids=ids, metadatas=[dict(meta) for _ in ids]))
        if self.lexical is not None and self.lexical.writing:  # the year and authors filters read
            got = self._call(lambda: self.collection.get(ids=ids, include=["metadatas", "documents"]))
            self.lexical.delete_chunks(ids)
            self.lexical.add(paper_rows(paper.paper_id, [
                (cid, m or {}, d or "") for cid, m, d in zip(got["ids"], got["metadatas"], got["documents"], strict=True)
            ]))

    def set_sources(self, paper_id: str, chunk_ids: Iterable[str], sources: list[str]) -> None:
        ids = sorted(chunk_ids)
        self._call(
            lambda: self.collection.update(
                ids=ids, metadatas=[{"sources": SOURCE_SEP.join(sources)} for _ in ids]
            )
        )

    def delete(self, chunk_ids: Iterable[str]) -> None:
        ids = sorted(chunk_ids)
        for lo in range(0, len(ids), _PAGE):
            batch = ids[lo : lo + _PAGE]
            self._call(lambda b=batch: self.collection.delete(ids=b))
        papers = sorted({paper_of(cid) for cid in ids})
        col = self._sentence_collection()
        for lo in range(0, len(papers), 500) if col is not None else ():
            batch = papers[lo : lo + 500]
            self._call(lambda b=batch: col.delete(where={"paper_id": {"$in": b}}))
        if self.tokens is not None:
            self.tokens.delete_papers(papers)
        if self.lexical is not None and self.lexical.writing:
            self.lexical.delete_chunks(ids)
        elif ids:  # a change outside an ingest: readers, the lexical index and the manifest must see it
            self.bump_revision()

    def bump_revision(self) -> None:
        fresh = self._call(lambda: self._client.get_collection(self.name, embedding_function=None))
        meta = dict(fresh.metadata or {})
        meta["paperchat:revision"] = int(meta.get("paperchat:revision", 0)) + 1
        meta.pop("hnsw:space", None)  # fixed at creation; Chroma refuses to modify it
        self._call(lambda: self.collection.modify(metadata=meta))
        # this handle made the change (its vector index has it): no reopen
        self._seen_revision = self._vectors_revision = meta["paperchat:revision"]

    def free_bytes(self) -> int | None:
        """Free space on the disk holding an on-disk index (None on a server)."""
        if self.path is None:
            return None
        try:
            return shutil.disk_usage(self.path).free
        except OSError:
            return None

    def ensure_space(self, n_chunks: int, n_sentences: int = 0) -> None:
        """Refuse, before anything is written, a write that the disk cannot hold."""
        free = self.free_bytes()
        need = BYTES_FIXED + n_chunks * BYTES_PER_CHUNK + n_sentences * BYTES_PER_SENTENCE
        if free is not None and free < need:
            raise StoreUnavailableError(
                f"not enough disk space for the index at {self.location}: {n_chunks} chunks "
                f"need about {_mb(need)}, the disk has {_mb(free)} free; free some space "
                f"(or point --index-path elsewhere) and run again. Nothing was written."
            )

    def _call(self, fn):  # noqa: ANN001, ANN202
        try:
            return fn()
        except IngestError:
            raise
        except Exception as exc:  # chromadb raises many types; name the store, keep the cause
            free = self.free_bytes()
            if free is not None and (_looks_like_full_disk(exc) or free < _LOW_SPACE):
                # Chroma often reports a full disk obliquely ("Error in compaction"), and
                # SQLite's rollback frees space again, so a little headroom left counts too.
                raise StoreUnavailableError(
                    f"the disk holding the index at {self.location} is full ({_mb(free)} free; "
                    f"Chroma said {type(exc).__name__}: {exc}). Complete papers already "
                    f"written are kept; free some space and run `paperchat ingest` again "
                    f"to finish the rest."
                ) from exc
            raise StoreUnavailableError(
                f"Chroma at {self.location} failed: {type(exc).__name__}: {exc}"
            ) from exc


# An ingest waits this long for the lexical writer: an engine holds it for a moment to check
# the index is level; an ingest or a rebuild holds it far longer, and is reported as such.
_WRITER_WAIT = 10.0

# Below one write batch's worth of free space, a failed write is taken as a full disk.
_LOW_SPACE = 256 * BYTES_PER_CHUNK


def _looks_like_full_disk(exc: BaseException) -> bool:
    text = f"{exc!r} {getattr(exc, 'errno', '')}".lower()
    return any(k in text for k in ("no space left", "disk is full", "os error 28", "enospc"))


def sentence_id(paper_id: str, text: str) -> str:
    """A sentence vector's id: its paper and its text (a changed sentence is another record)."""
    return f"{paper_id}#s{short_hash(text, length=24)}"


def _split_sources(value: object) -> list[str]:
    return [s for s in str(value or "").split(SOURCE_SEP) if s]


def _fresh_local_client(directory: Path):  # noqa: ANN202
    """A local client on a System of its own. ``PersistentClient`` shares one System (and its
    in-memory vector index) per directory within a process, so it would hand back the stale
    one; Chroma's public ``Client.from_system`` takes a System we start ourselves (it becomes
    the directory's shared one; handles holding the old System keep using it)."""
    from chromadb.api import ServerAPI
    from chromadb.api.client import Client
    from chromadb.config import Settings as ChromaSettings
    from chromadb.config import System

    system = System(ChromaSettings(
        anonymized_telemetry=False, allow_reset=False, is_persistent=True, persist_directory=str(directory.resolve()),
    ))
    system.instance(ServerAPI)
    system.start()
    return Client.from_system(system)


def _client(path: str | Path | None, host: str | None, port: int):  # noqa: ANN202
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if host:
        location = f"chroma server http://{host}:{port}"
        try:
            client = chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
            client.heartbeat()
        except Exception as exc:
            raise StoreUnavailableError(
                f"{location} is not answering ({type(exc).__name__}); start it with "
                f"`chroma run --host {host} --port {port}` or unset PAPERCHAT_CHROMA__HOST"
            ) from None
        return client, location
    assert path is not None
    directory = Path(path).expanduser().resolve()
    location = str(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(directory), settings=chroma_settings)
    except Exception as exc:
        if not os.access(directory, os.W_OK) or _read_only(directory):
            raise StoreUnavailableError(
                f"cannot open the index at {location}: the directory is not writable, and "
                f"Chroma writes to its index directory even to answer questions; mount it "
                f"read-write or copy it somewhere writable (--index-path)"
            ) from None
        raise StoreUnavailableError(f"cannot open the index at {location}: {exc}") from None
    return client, location


def _read_only(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def check_writable(path: str | Path) -> None:
    """Fail before writing anything when the index directory cannot take a write."""
    directory = Path(path).expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-probe-") as probe:
            probe.write(b"\0" * 65536)
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise StoreUnavailableError(
            f"the index directory {directory} is not writable ({exc.strerror or exc})"
        ) from None


def open_index(
    *,
    path: str | Path | None = None,
    host: str | None = None,
    port: int = 8000,
    collection: str = "paperchat",
    model: tuple[str, int] | None = None,
    create: bool = False,
    lexical_path: str | Path | None = None,
    search_ef: int | None = None,
) -> Index:
    """Open (or with ``create=True`` create) the collection on disk or on a Chroma server.

    ``model`` is ``(name, dim)`` of the embedder in use; a collection built with another
    model raises ``IndexMismatchError``. Without ``create``, a missing collection raises
    ``IngestError`` telling the user how to build it. ``search_ef``: the breadth of the vector
    graph's search, stored in the collection when it differs (``set_search_ef``).
    """
    client, location = _client(path, host, port)
    try:
        col = client.get_collection(collection, embedding_function=None)
    except Exception:
        col = None
    if col is None:
        if not create:
            raise IngestError(
                f"no index named {collection!r} at {location}; build it with `paperchat ingest`"
            )
        if model is None:
            raise IngestError("creating an index needs the embedding model")
        metadata = {
            "hnsw:space": "cosine",
            "paperchat:model": model[0],
            "paperchat:dim": int(model[1]),
            "paperchat:schema": SCHEMA,
            "paperchat:revision": 0,
        }
        try:
            col = client.get_or_create_collection(
                collection, metadata=metadata, embedding_function=None
            )
        except Exception as exc:
            raise StoreUnavailableError(f"cannot create {collection!r} at {location}: {exc}") from None
    lexical_dir = Path(lexical_path) if lexical_path else (
        Path(location) / LEXICAL_DIR / collection if not host else _server_lexical_dir(host, port, collection)
    )
    if search_ef:
        set_search_ef(col, search_ef, location)
    if not host:  # its first read loads the vector graph: not while an ingest saves it
        col = await_vector_save(client, col, Path(location))
    tokens = TokenStore(tokens_path(Path(location), collection) if not host else _server_cache(host, port, "tokens")
                        / f"{collection}.sqlite3")
    index = Index(client, col, location, None if host else Path(location), LexicalIndex(lexical_dir), tokens)
    if model is not None:
        have = index.model
        if have[0] and (have[0] != model[0] or (model[1] and have[1] != model[1])):
            raise IndexMismatchError(
                f"the index at {location} ({collection!r}) was built with {have[0]} "
                f"(dim {have[1]}), not {model[0]} (dim {model[1]}); use the same embedding "
                f"backend, another collection (--collection), or rebuild it"
            )
    return index


def set_search_ef(collection: Any, ef: int, location: str) -> None:
    """Store the breadth of the vector graph's search (hnswlib's ``ef``) in the collection when
    it differs, before this process loads the graph: Chroma reads it when a process first loads
    the graph, so a process that has loaded it (or a server) keeps the old breadth until it
    loads it again. At Chroma's default (100) the top 40 a search asks for missed 5-6% of the
    exact top 40 on both corpora and differed between two builds of the same vectors; at 800,
    0.01-0.06% (README). Best effort: an index that cannot take the write is searched as it is."""
    have = hnsw_config(collection).get("ef_search")
    if have != ef and not set_hnsw(collection, 20, ef_search=ef):
        logging.getLogger(__name__).warning("the index at %s keeps its search breadth (%s)", location, have)


LEXICAL_DIR = "paperchat-lexical"


def _server_lexical_dir(host: str, port: int, collection: str) -> Path:
    """Where the lexical index of a collection on a Chroma server lives when no path is set:
    this machine's cache (rebuilt from the server when it lags; workers that share one set
    ``chroma.lexical_path`` to a shared directory)."""
    return _server_cache(host, port, "lexical") / collection


def _server_cache(host: str, port: int, kind: str) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "paperchat" / kind
    return base / f"{host.replace('/', '_')}-{port}"


def _paper_metadata(paper: Paper) -> dict[str, str | int | float]:
    """What every chunk of ``paper`` stores about it beyond its text: the reader's scalar
    metadata, the integer ``pub_year`` filters compare, and the hash that tells a re-ingest
    the metadata changed."""
    meta: dict[str, str | int | float] = {
        k: v for k, v in paper.metadata.items() if isinstance(v, (str, int, float))
    }
    year = paper_year(paper.metadata)
    if year is not None:
        meta["pub_year"] = year
    meta["meta_hash"] = paper.meta_hash
    return meta

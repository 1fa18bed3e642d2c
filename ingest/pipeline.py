"""Ingest: read → dedupe → chunk → embed only what is new or changed → write whole papers."""

from __future__ import annotations

import math
import sqlite3
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .chunking import chunk_paper, chunking_key, estimate_chunks
from .embed import Embedder
from .errors import IngestError
from .index import Index, PaperState
from .manifest import Manifest, file_digest
from .models import Chunk, Paper, Skipped
from .parallel import VectorMap, local
from .readers import ReadResult, discover, read_groups
from .tokenstore import coverage_text, lacks_tokens, states_name, text_key
from .words import split_sentences

# Called with (papers done, papers to embed); the faces draw progress bars from it.
Progress = Callable[[int, int], None]
WRITE_BATCH_CHUNKS = 256
GROUP_PAPERS = 20_000  # papers read, looked up and written together: ingest memory's bound


@dataclass
class IngestReport:
    """What one ingest run did."""

    files: list[str] = field(default_factory=list)
    papers_read: int = 0  # unique papers in the input
    records: int = 0  # title/abstract records before duplicates collapsed
    duplicates: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    pruned: int = 0
    chunks_written: int = 0
    chunks_total: int = 0
    sentences_written: int = 0  # sentence vectors (``Index.sentence_vectors``)
    token_papers_written: int = 0  # papers whose token vectors were stored (``ingest.tokenstore``)
    skipped: list[Skipped] = field(default_factory=list)
    failed_files: list[tuple[str, str]] = field(default_factory=list)  # (file, why) not read
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"read {self.papers_read} papers from {len(self.files)} file(s) "
            f"({self.records} records, {self.duplicates} duplicates collapsed)",
            f"new {self.new} · updated {self.updated} · unchanged {self.unchanged}"
            + (f" · pruned {self.pruned}" if self.pruned else ""),
            f"chunks written {self.chunks_written} · in index {self.chunks_total}"
            + (f" · sentence vectors {self.sentences_written}" if self.sentences_written else "")
            + (f" · token vectors of {self.token_papers_written} papers" if self.token_papers_written else "")
            + f" · {self.seconds:.1f} s",
        ]
        if self.failed_files:
            lines.append(f"could not read {len(self.failed_files)} file(s); their papers were left as they were:")
            lines.extend(f"  {f}: {why}" for f, why in self.failed_files)
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} record(s):")
            lines.extend(f"  {s}" for s in self.skipped[:20])
            if len(self.skipped) > 20:
                lines.append(f"  … and {len(self.skipped) - 20} more")
        return "\n".join(lines)


def ingest(
    paths: Iterable[str | Path],
    index: Index,
    embedder: Embedder,
    *,
    chunk_size: int = 256,
    chunk_overlap: int = 32,
    chunk_unit: str = "encoder",
    prune: bool = False,
    progress: Progress | None = None,
    vectors: VectorMap | None = None,
    sentence_vectors: bool = True,
    token_vectors: bool = True,
) -> IngestReport:
    """Bring ``index`` up to date with the papers under ``paths``.

    Files are compared by digest with the index's manifest: only new or changed files are read,
    and only their papers are looked up in Chroma. They are read, looked up and written in
    pieces of whole files (``GROUP_PAPERS`` papers or so), so memory does not grow with the
    corpus; each piece is validated before its first write (a bad file changes nothing and is
    named in the report). ``vectors``: where the embedding runs (``ingest.parallel``: a
    process pool or a Ray cluster; default here). Papers whose content and chunking are
    unchanged are not embedded again; a changed paper's chunks are replaced; with ``prune``,
    papers that came only from the scanned files and are no longer in them are removed.
    ``sentence_vectors``: also store a vector per abstract sentence (``Index.sentence_vectors``),
    and fill them in for papers an older ingest wrote without. ``token_vectors``: also store
    each paper's token vectors (``ingest.tokenstore``; a MiniLM embedder only), read from the
    pass that embeds its first chunk when the embedding runs here, else (and for papers an
    older ingest wrote without) encoded after the chunks are written.
    """
    started = time.perf_counter()
    paths = list(paths)
    chunking = chunking_key(chunk_size, chunk_overlap, chunk_unit)
    sidecar = index.lexical.directory if index.lexical is not None else None
    manifest = Manifest.load(sidecar)
    known = manifest.files if manifest.trusted(index.state_key(), chunking) else {}
    files = [str(f) for f in discover(paths)]
    digests = {f: file_digest(f) for f in files}
    kept = [f for f in files if known.get(f, {}).get("sha256") == digests[f]]  # unchanged files
    fresh = [f for f in files if f not in known or known[f].get("sha256") != digests[f]]
    report = IngestReport()
    # token vectors complete before this run: only the papers it writes need theirs
    tokens_current = index.tokens is not None and index.tokens.synced() == index.state_key()
    # a local MiniLM gives a paper's token vectors from the pass that embeds its first chunk, so
    # the papers this run writes need no pass of their own (a process pool or Ray returns vectors only)
    model = getattr(embedder, "inner", embedder)
    capture = token_vectors and vectors is None and index.tokens is not None and hasattr(model, "token_states")
    if capture and fresh and index.tokens.begin(states_name(model)):  # type: ignore[union-attr]
        tokens_current = False  # another encoder's store, emptied: every paper needs its rows
    run = _Run(index, chunking, chunk_size, chunk_overlap, chunk_unit, vectors or local(embedder), report, progress,
               bytes_left=sum(Path(f).stat().st_size for f in fresh), sentences=sentence_vectors,
               states=embedder if capture else None)
    by_file: dict[str, list[str]] = {}  # file -> its papers, for the manifest
    failed: set[str] = set()
    try:
        for read in read_groups(fresh, others_readable=bool(kept), group_papers=GROUP_PAPERS) if fresh else ():
            report.files.extend(read.files)
            report.records += read.records
            report.duplicates += read.duplicates
            report.skipped.extend(read.skipped)
            report.failed_files.extend(read.failed)
            failed |= {f for f, _ in read.failed}
            for f in read.files:
                by_file[f] = []
            for paper in read.papers:
                for src in paper.sources:
                    if src in by_file:
                        by_file[src].append(paper.paper_id)
            for pid, sources in read.more_sources.items():
                for src in sources:
                    by_file.setdefault(src, []).append(pid)
            run.piece(read, sum(Path(f).stat().st_size for f in [*read.files, *(f for f, _ in read.failed)]))
            if run.writing and not prune:
                # the files written so far, at the revision this run set: an interrupted run
                # is resumed from the next piece (a prune run keeps the old entries it needs)
                _save_manifest(sidecar, index, chunking, known, kept, by_file, failed, digests, prune)
        kept_ids = {pid for f in kept for pid in known[f]["papers"]} - run.read_ids
        report.unchanged += len(kept_ids)
        report.papers_read = len(run.read_ids) + len(kept_ids)
        report.records += len(kept_ids)
        report.files = sorted(set(report.files) | set(kept))
        if prune:
            report.pruned = _prune(
                index, _prune_candidates(index, known, paths, files, kept, run.read_ids | kept_ids),
                run.read_ids | kept_ids, report.files, paths, failed, run.start,
            )
        if sentence_vectors and not index.sentences_complete() and index.count():
            run.start()
            _fill_sentences(index, run.vectors, report, progress)
    except BaseException:
        if run.writing:
            index.abort_write()
        raise
    if run.writing:
        index.finish_write()
    else:
        index.ensure_lexical()  # an index from before the lexical index existed gets one now
    _save_manifest(sidecar, index, chunking, known, kept, by_file, failed, digests, prune)
    if token_vectors:
        _fill_tokens(index, embedder, report, progress, run.written if tokens_current else None)
    report.chunks_total = index.count()
    report.seconds = time.perf_counter() - started
    return report


class _Run:
    """One ingest's writes, a piece at a time: classify the piece's papers against what the
    index holds, then retag, delete stale chunks, embed and write."""

    def __init__(
        self, index: Index, chunking: str, size: int, overlap: int, unit: str,
        vectors: VectorMap, report: IngestReport, progress: Progress | None, bytes_left: int,
        sentences: bool = True, states: Embedder | None = None,
    ) -> None:
        self.index, self.chunking, self.vectors, self.report = index, chunking, vectors, report
        self.size, self.overlap, self.unit, self.progress = size, overlap, unit, progress
        self.sentences = sentences
        self.states = states  # embed chunk by chunk with this, keeping first chunks' token vectors
        self.writing = False
        # an index empty at the start holds only what this run writes: no lookups needed
        self.empty_at_start = index.count() == 0
        self.bytes_left = bytes_left  # of the files still to read
        self.read_ids: set[str] = set()
        self.written: list[str] = []  # papers (re)written, for their token vectors
        self.embedded = 0

    def start(self) -> None:  # the first change takes the lexical writer and bumps the revision
        if not self.writing:
            self.index.begin_write()
            self.writing = True

    def piece(self, read: ReadResult, nbytes: int) -> None:
        index, report, chunking = self.index, self.report, self.chunking
        ids = {p.paper_id for p in read.papers}
        states = index.paper_states(ids) if ids and not self.empty_at_start else {}
        self.read_ids |= ids
        todo: list[Paper] = []
        stale: list[str] = []  # chunk ids to delete before rewriting
        retag: list[tuple[Paper, PaperState]] = []  # same text, new year or authors
        for paper in read.papers:
            state = states.get(paper.paper_id)
            if state is None:
                report.new += 1
                todo.append(paper)
            elif _is_current(state, paper, chunking):
                report.unchanged += 1
                if state.meta_hash != paper.meta_hash:
                    retag.append((paper, state))
                merged = list(dict.fromkeys(state.sources + paper.sources))
                if merged != state.sources:
                    index.set_sources(paper.paper_id, state.chunk_ids, merged)
            else:
                if state.content_hash == paper.content_hash and state.chunking == chunking:
                    report.new += 1  # an interrupted write: finish it
                else:
                    report.updated += 1
                paper.sources = list(dict.fromkeys(state.sources + paper.sources))
                stale.extend(state.chunk_ids)
                todo.append(paper)
        # the free-space check extrapolates this piece's chunks per byte over what is left
        estimate = sum(estimate_chunks(p, self.size, self.overlap) for p in todo)
        sentences = sum(len(split_sentences(p.abstract)) for p in todo) if self.sentences else 0
        scale = self.bytes_left / max(1, nbytes)
        index.ensure_space(math.ceil(estimate * scale), math.ceil(sentences * scale))
        self.bytes_left -= nbytes
        for paper, state in retag:
            self.start()
            index.set_metadata(paper, state.chunk_ids)
        if stale:
            self.start()
            index.delete(stale)
        if todo:
            self.start()
            batches = _plan_batches(todo, self.size, self.overlap, self.unit, self.sentences)  # chunked as written
            encoded = (_encode_keeping_states(batches, self.states) if self.states is not None
                       else _encode(batches, self.vectors))
            _embed_and_write(encoded, len(todo), index, chunking, report, self._progress(len(todo), nbytes))
            self.embedded += len(todo)
            self.written.extend(p.paper_id for p in todo)
        if read.more_sources:  # papers met in an earlier piece of this run: add the new sources
            for pid, state in index.paper_states(read.more_sources).items():
                merged = list(dict.fromkeys(state.sources + read.more_sources[pid]))
                if merged != state.sources:
                    index.set_sources(pid, state.chunk_ids, merged)

    def _progress(self, todo: int, nbytes: int) -> Progress | None:
        """This piece's progress as the run's: papers embedded so far, of a total extrapolated
        from this piece's papers per byte over the files still to read (exact on the last)."""
        outer, offset = self.progress, self.embedded
        if outer is None:
            return None
        total = offset + todo + math.ceil(todo * self.bytes_left / max(1, nbytes))
        return lambda done, _n: outer(offset + done, total)


def _prune_candidates(
    index: Index, known: dict[str, dict], paths: list[str | Path], files: list[str], kept: list[str], seen: set[str]
) -> dict[str, PaperState]:
    """The papers a prune must consider: with a trusted manifest, those of the files that
    changed or went (under the paths given); without one, every paper in the index."""
    if not known:
        return index.paper_states()
    roots = [Path(p).expanduser().resolve() for p in paths]
    gone_files = {f for f in known if not Path(f).exists() and any(r == Path(f) or r in Path(f).parents for r in roots)}
    lookup: set[str] = set()
    for f in set(files) | gone_files:
        entry = known.get(f, {})
        lookup |= set(entry.get("gone", []))
        if f not in kept:
            lookup |= set(entry.get("papers", []))
    return index.paper_states(lookup - seen)


def _save_manifest(
    sidecar: Path | None,
    index: Index,
    chunking: str,
    known: dict[str, dict],
    kept: list[str],
    by_file: dict[str, list[str]],
    failed: set[str],
    digests: dict[str, str],
    prune: bool,
) -> None:
    """Record what the index now holds from each file, at the revision it holds it."""
    if sidecar is None:
        return
    files = {f: known[f] for f in kept}
    if prune:
        files = {f: {k: v for k, v in e.items() if k != "gone"} for f, e in files.items()}
    if not prune:  # files not seen this time (gone, or outside the paths given) keep their entry
        files.update({f: e for f, e in known.items() if f not in files and f not in by_file})
    for f, ids in by_file.items():
        if f not in digests:
            continue  # a source named by a paper but not scanned this run
        entry = {"sha256": digests[f], "papers": list(dict.fromkeys(ids))}
        if not prune:  # papers the file no longer has stay in the index until a prune
            old = known.get(f, {})
            gone = set(old.get("papers", [])) | set(old.get("gone", []))
            entry["gone"] = sorted(gone - set(ids))
        files[f] = entry
    for f in failed:
        files.pop(f, None)  # read again next time
    Manifest(index.state_key(), chunking, files).save(sidecar)


def _is_current(state: PaperState, paper: Paper, chunking: str) -> bool:
    return state.complete and state.content_hash == paper.content_hash and state.chunking == chunking


Batch = tuple[list[Paper], list[Chunk], list[tuple[str, str]]]  # papers, chunks, (paper id, sentence)


def _plan_batches(
    papers: Sequence[Paper], size: int, overlap: int, unit: str = "encoder", sentences: bool = True
) -> Iterator[Batch]:
    """Group whole papers into write batches, chunking each batch only when it is reached (the
    chunks of a whole corpus are not held at once); with ``sentences``, each paper's abstract
    sentences go with its chunks.

    Papers go in order of abstract length so every batch holds chunks of similar length
    (padding is wasted encoder work).
    """
    batch: Batch = ([], [], [])
    for paper in sorted(papers, key=lambda p: len(p.abstract)):
        if len(batch[1]) >= WRITE_BATCH_CHUNKS:
            yield batch
            batch = ([], [], [])
        batch[0].append(paper)
        batch[1].extend(chunk_paper(paper, size, overlap, unit))
        if sentences:
            batch[2].extend((paper.paper_id, x.text) for x in split_sentences(paper.abstract))
    if batch[1]:
        yield batch


# a write batch embedded: its chunks' vectors then its sentences', and each paper's token
# vector rows (paper id, ``coverage_text``, vectors) when the embedding pass gave them
Encoded = tuple[Batch, np.ndarray, list[tuple[str, str, np.ndarray]]]


def _encode(batches: Iterable[Batch], vectors: VectorMap) -> Iterator[Encoded]:
    """Chunks and sentences in one call per batch, so a process pool or Ray cluster embeds both."""
    planned: deque[Batch] = deque()  # embedding, not yet written

    def texts() -> Iterator[list[str]]:
        for batch in batches:
            planned.append(batch)
            yield [c.text for c in batch[1]] + [text for _, text in batch[2]]

    for batch_vectors in vectors(texts()):
        yield planned.popleft(), batch_vectors, []


def _encode_keeping_states(batches: Iterable[Batch], embedder: Embedder) -> Iterator[Encoded]:
    """Each chunk in a pass of its own; a paper's first chunk's last layer also gives the
    paper's token vectors (``ingest.tokenstore``). One text a pass costs no more than
    length-sorted batches here, and int8 activations are quantised per pass, so a padded batch
    would not give the tokens a question-time pass would."""
    model: Any = getattr(embedder, "inner", embedder)  # the MiniLM behind a cache
    for batch in batches:
        papers, chunks, sentences = batch
        rows, states = [], {}
        for c in chunks:
            rows.append(embedder.embed([c.text]))
            if c.chunk_no == 0:
                states[c.paper_id] = model.token_states(c.text)[1]
        rows.append(embedder.embed([text for _, text in sentences]))
        tokens = [(p.paper_id, coverage_text(p.title, p.abstract), states[p.paper_id])
                  for p in papers if p.paper_id in states]
        yield batch, np.vstack(rows), tokens


def _embed_and_write(
    encoded: Iterable[Encoded],
    n_papers: int,
    index: Index,
    chunking: str,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """Write each batch while the next is embedded.

    One writer thread keeps Chroma's writes off the encoder's critical path. A batch is
    written only after its vectors exist, whole papers at a time, so an interruption leaves
    complete papers plus at most one partial batch, which the next run finishes. A batch's
    token vectors go after its chunks (they are an accelerator: a crash before them costs
    only the pass that refills them).
    """
    done = 0
    if progress:
        progress(0, n_papers)
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None

        def write(papers: list[Paper], chunks: list[Chunk], vectors: np.ndarray, sentences: list[tuple[str, str]],
                  tokens: list[tuple[str, str, np.ndarray]]) -> None:
            n = len(chunks)
            index.write(papers, chunks, vectors[:n], chunking, sentences, vectors[n:])
            if tokens and index.tokens is not None:
                try:
                    index.tokens.put(tokens)
                except sqlite3.Error:
                    pass  # refilled by ``_fill_tokens``, which names the file if it fails again

        for (batch_papers, batch_chunks, batch_sentences), batch_vectors, tokens in encoded:
            if pending is not None:
                pending.result()  # surfaces a write error before more work is queued
            n = len(batch_chunks)
            pending = writer.submit(write, batch_papers, batch_chunks, batch_vectors, batch_sentences, tokens)
            report.token_papers_written += len(tokens)
            report.chunks_written += n
            report.sentences_written += len(batch_sentences)
            done += len(batch_papers)
            if progress:
                progress(done, n_papers)
        if pending is not None:
            pending.result()


def _prune(
    index: Index,
    states: dict[str, PaperState],
    seen: set[str],
    files: list[str],
    paths: list[str | Path],
    unread: set[str],
    start: Callable[[], None],
) -> int:
    """Remove papers not seen this run whose every source was scanned (or is gone); a file that
    could not be read this time keeps its papers."""
    scanned = set(files)
    roots = [Path(p).expanduser().resolve() for p in paths]

    def covered(source: str) -> bool:
        if source in unread:
            return False
        src = Path(source)
        return source in scanned or not src.exists() or any(r in src.parents for r in roots)

    pruned = 0
    for pid, state in states.items():
        if pid in seen:
            continue
        keep = [s for s in state.sources if not covered(s)]
        if not keep:
            start()
            index.delete(state.chunk_ids)
            pruned += 1
        elif keep != state.sources:
            index.set_sources(pid, state.chunk_ids, keep)
    return pruned


def _fill_sentences(index: Index, vectors: VectorMap, report: IngestReport, progress: Progress | None) -> None:
    """Sentence vectors for the papers an older ingest wrote without them, from the abstracts
    the index stores; then the index is marked complete (a crash before that repeats it)."""
    ids = sorted({str(m.get("paper_id", "")) for _, m, _ in index.records(["metadatas"])} - {""})
    step = 100  # papers per batch: about as many sentences as a write batch has chunks

    def batches() -> Iterator[list[tuple[str, str]]]:
        for lo in range(0, len(ids), step):
            abstracts = index.abstracts(ids[lo : lo + step])
            yield [(pid, x.text) for pid, text in abstracts.items() for x in split_sentences(text)]

    planned: deque[list[tuple[str, str]]] = deque()

    def texts() -> Iterator[list[str]]:
        for batch in batches():
            planned.append(batch)
            yield [text for _, text in batch]

    done = 0
    for batch_vectors in vectors(texts()):
        batch = planned.popleft()
        if batch:
            index.write_sentences(batch, batch_vectors)
        report.sentences_written += len(batch)
        done = min(len(ids), done + step)
        if progress:
            progress(done, len(ids))
    index.mark_sentences_complete()


def _fill_tokens(index: Index, embedder: Embedder, report: IngestReport, progress: Progress | None,
                 written: list[str] | None) -> None:
    """Store the token vectors of the papers that lack them (``ingest.tokenstore``) after the
    chunks are written: of the papers this run ``written`` when the store was complete before
    it, else of every paper. A paper's rows are its first chunk's tokens, that chunk encoded as
    it was embedded. The store is an accelerator: a crash here loses nothing but time, and
    the next ingest resumes. Skipped when the store is complete for this revision, or the
    embedder has no token vectors (an OpenAI one: coverage encodes papers at question time)."""
    model = getattr(embedder, "inner", embedder)
    store, state = index.tokens, index.state_key()
    if store is None or not index.count() or not lacks_tokens(store, model, state):
        return
    try:
        if store.begin(states_name(model)):
            written = None  # another encoder's store, emptied: every paper
        texts: dict[str, str] = {}  # paper -> its coverage text (the row's key)
        first: dict[str, str] = {}  # paper -> its first chunk's embedded text
        include = ("metadatas", "documents")
        records = index.records(list(include)) if written is None else index.records_of(written, include)
        for _, m, doc in records:
            if not (pid := str(m.get("paper_id", ""))):
                continue
            if m.get("chunk_no") == 0 and "abstract" in m:
                texts[pid] = coverage_text(str(m.get("title", "")), str(m["abstract"]))
                first[pid] = doc or ""
        missing = store.missing(text_key(t) for t in texts.values())
        todo = [(pid, t) for pid, t in sorted(texts.items()) if text_key(t) in missing]
        step = 50
        for lo in range(0, len(todo), step):
            batch = todo[lo : lo + step]
            store.put((pid, t, model.token_states(first[pid])[1]) for pid, t in batch)
            report.token_papers_written += len(batch)
            if progress:
                progress(lo + len(batch), len(todo))
        store.mark_synced(state)
    except sqlite3.Error as exc:
        raise IngestError(f"cannot write token vectors to {store.path}: {exc} (the index itself is complete; "
                          f"run the ingest again once this is fixed)") from None

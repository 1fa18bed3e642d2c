"""Ingest: read → dedupe → chunk → embed only what is new or changed → write whole papers."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import chunk_paper, chunking_key, estimate_chunks
from .embed import Embedder
from .index import Index, PaperState
from .manifest import Manifest, file_digest
from .models import Chunk, Paper, Skipped
from .parallel import VectorMap, local
from .readers import ReadResult, discover, read_paths

# Called with (papers done, papers to embed); the faces draw progress bars from it.
Progress = Callable[[int, int], None]
WRITE_BATCH_CHUNKS = 256


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
            f" · {self.seconds:.1f} s",
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
    already_read: ReadResult | None = None,
    vectors: VectorMap | None = None,
) -> IngestReport:
    """Bring ``index`` up to date with the papers under ``paths``.

    Files are compared by digest with the index's manifest: only new or changed files are read,
    and only their papers are looked up in Chroma (with no trusted manifest, everything is).
    What is read is validated before the first write (a bad file changes nothing); pass
    ``already_read`` when the caller has read ``paths`` already. ``vectors``: where the
    embedding runs (``ingest.parallel``: a process pool or a Ray cluster; default here).
    Papers whose content and chunking are unchanged are not embedded again; a changed paper's
    chunks are replaced; with ``prune``, papers that came only from the scanned files and are
    no longer in them are removed.
    """
    started = time.perf_counter()
    paths = list(paths)
    chunking = chunking_key(chunk_size, chunk_overlap, chunk_unit)
    sidecar = index.lexical.directory if index.lexical is not None else None
    manifest = Manifest.load(sidecar)
    known = manifest.files if manifest.trusted(index.state_key(), chunking) else {}
    if already_read is not None:
        files, digests, kept = list(already_read.files), {}, []
        read = already_read
    else:
        files = [str(f) for f in discover(paths)]
        digests = {f: file_digest(f) for f in files}
        kept = [f for f in files if known.get(f, {}).get("sha256") == digests[f]]  # unchanged files
        fresh = [f for f in files if f not in known or known[f].get("sha256") != digests[f]]
        read = read_paths(fresh, others_readable=bool(kept)) if fresh else ReadResult()
    kept_ids = {pid for f in kept for pid in known[f]["papers"]} - {p.paper_id for p in read.papers}
    report = IngestReport(
        files=sorted(set(read.files) | set(kept)),
        papers_read=len(read.papers) + len(kept_ids),
        records=read.records + len(kept_ids),
        duplicates=read.duplicates,
        unchanged=len(kept_ids),
        skipped=list(read.skipped),
        failed_files=list(read.failed),
    )
    if known:
        # only the papers of the files read now and, for prune, of the files that changed or
        # went (under the paths given; files outside them are none of this run's business)
        lookup = {p.paper_id for p in read.papers}
        if prune:
            roots = [Path(p).expanduser().resolve() for p in paths]
            fresh_files = set(files) - set(kept)
            gone_files = {f for f in known if not Path(f).exists() and any(r == Path(f) or r in Path(f).parents for r in roots)}
            for f in fresh_files | gone_files | set(kept):
                entry = known.get(f, {})
                lookup |= set(entry.get("gone", []))
                if f not in kept:
                    lookup |= set(entry.get("papers", []))
        states = index.paper_states(lookup - kept_ids)
    else:
        states = index.paper_states()
    writing = False

    def start() -> None:  # the first change takes the lexical writer and bumps the revision
        nonlocal writing
        if not writing:
            index.begin_write()
            writing = True

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

    batches = _plan_batches(todo, chunk_size, chunk_overlap, chunk_unit)  # chunked as they are written
    index.ensure_space(sum(estimate_chunks(p, chunk_size, chunk_overlap) for p in todo))  # before any write
    try:
        for paper, state in retag:
            start()
            index.set_metadata(paper, state.chunk_ids)
        if stale:
            start()
            index.delete(stale)
        if todo:
            start()
            _embed_and_write(batches, len(todo), index, vectors or local(embedder), chunking, report, progress)
        if prune:
            seen = {p.paper_id for p in read.papers} | kept_ids
            report.pruned = _prune(index, states, seen, report.files, paths, {f for f, _ in read.failed}, start)
    except BaseException:
        if writing:
            index.abort_write()
        raise
    if writing:
        index.finish_write()
    else:
        index.ensure_lexical()  # an index from before the lexical index existed gets one now
    _save_manifest(sidecar, index, chunking, known, kept, read, digests, prune)
    report.chunks_total = index.count()
    report.seconds = time.perf_counter() - started
    return report


def _save_manifest(
    sidecar: Path | None,
    index: Index,
    chunking: str,
    known: dict[str, dict],
    kept: list[str],
    read: ReadResult,
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
        now = set(read.files)
        files.update({f: e for f, e in known.items() if f not in files and f not in now})
    failed = {f for f, _ in read.failed}
    by_file: dict[str, list[str]] = {f: [] for f in read.files}
    for paper in read.papers:
        for src in paper.sources:
            if src in by_file:
                by_file[src].append(paper.paper_id)
    for f, ids in by_file.items():
        entry = {"sha256": digests.get(f) or file_digest(f), "papers": ids}
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


def _plan_batches(
    papers: Sequence[Paper], size: int, overlap: int, unit: str = "encoder"
) -> Iterator[tuple[list[Paper], list[Chunk]]]:
    """Group whole papers into write batches, chunking each batch only when it is reached (the
    chunks of a whole corpus are not held at once).

    Papers go in order of abstract length so every batch holds chunks of similar length
    (padding is wasted encoder work).
    """
    papers_in: list[Paper] = []
    chunks_in: list[Chunk] = []
    for paper in sorted(papers, key=lambda p: len(p.abstract)):
        if len(chunks_in) >= WRITE_BATCH_CHUNKS:
            yield papers_in, chunks_in
            papers_in, chunks_in = [], []
        papers_in.append(paper)
        chunks_in.extend(chunk_paper(paper, size, overlap, unit))
    if chunks_in:
        yield papers_in, chunks_in


def _embed_and_write(
    batches: Iterable[tuple[list[Paper], list[Chunk]]],
    n_papers: int,
    index: Index,
    vectors: VectorMap,
    chunking: str,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """Embed batch by batch; each batch is written while the next is embedded.

    One writer thread keeps Chroma's writes off the encoder's critical path. A batch is
    written only after its vectors exist, whole papers at a time, so an interruption leaves
    complete papers plus at most one partial batch, which the next run finishes.
    """
    done = 0
    if progress:
        progress(0, n_papers)
    with ThreadPoolExecutor(max_workers=1) as writer:
        pending: Future | None = None
        planned: deque[tuple[list[Paper], list[Chunk]]] = deque()  # embedding, not yet written

        def texts() -> Iterator[list[str]]:
            for batch in batches:
                planned.append(batch)
                yield [c.text for c in batch[1]]

        for batch_vectors in vectors(texts()):
            batch_papers, batch_chunks = planned.popleft()
            if pending is not None:
                pending.result()  # surfaces a write error before more work is queued
            pending = writer.submit(index.write, batch_papers, batch_chunks, batch_vectors, chunking)
            report.chunks_written += len(batch_chunks)
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

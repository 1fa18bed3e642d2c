"""Ingest: read → dedupe → chunk → embed only what is new or changed → write whole papers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .chunking import chunk_paper, chunking_key
from .embed import Embedder
from .index import Index, PaperState
from .models import Chunk, Paper, Skipped
from .readers import ReadResult, read_paths

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
) -> IngestReport:
    """Bring ``index`` up to date with the papers under ``paths``.

    Everything is read and validated before the first write (a bad file changes nothing);
    pass ``already_read`` when the caller has read ``paths`` already.
    Papers whose content and chunking are unchanged are not embedded again; a changed paper's
    chunks are replaced; with ``prune``, papers that came only from the scanned files and are
    no longer in them are removed.
    """
    started = time.perf_counter()
    paths = list(paths)
    read = already_read or read_paths(paths)
    report = IngestReport(
        files=read.files,
        papers_read=len(read.papers),
        records=read.records,
        duplicates=read.duplicates,
        skipped=list(read.skipped),
        failed_files=list(read.failed),
    )
    chunking = chunking_key(chunk_size, chunk_overlap, chunk_unit)
    states = index.paper_states()

    todo: list[Paper] = []
    stale: list[str] = []  # chunk ids to delete before rewriting
    changed = False
    for paper in read.papers:
        state = states.get(paper.paper_id)
        if state is None:
            report.new += 1
            todo.append(paper)
        elif _is_current(state, paper, chunking):
            report.unchanged += 1
            if state.meta_hash != paper.meta_hash:  # same text, new year or authors
                index.set_metadata(paper, state.chunk_ids)
                changed = True
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

    batches = _plan_batches(todo, chunk_size, chunk_overlap, chunk_unit)
    index.ensure_space(sum(len(chunks) for _, chunks in batches))  # before any write
    if stale:
        index.delete(stale)
        changed = True
    if todo:
        _embed_and_write(batches, len(todo), index, embedder, chunking, report, progress)
        changed = True
    if prune:
        seen = {p.paper_id for p in read.papers}
        report.pruned = _prune(index, states, seen, read.files, paths, {f for f, _ in read.failed})
        changed = changed or report.pruned > 0
    if changed:
        index.bump_revision()
    report.chunks_total = index.count()
    report.seconds = time.perf_counter() - started
    return report


def _is_current(state: PaperState, paper: Paper, chunking: str) -> bool:
    return state.complete and state.content_hash == paper.content_hash and state.chunking == chunking


def _plan_batches(
    papers: Sequence[Paper], size: int, overlap: int, unit: str = "encoder"
) -> list[tuple[list[Paper], list[Chunk]]]:
    """Chunk every paper and group whole papers into write batches.

    Papers go in order of abstract length so every batch holds chunks of similar length
    (padding is wasted encoder work).
    """
    batches: list[tuple[list[Paper], list[Chunk]]] = [([], [])]
    for paper in sorted(papers, key=lambda p: len(p.abstract)):
        if len(batches[-1][1]) >= WRITE_BATCH_CHUNKS:
            batches.append(([], []))
        batches[-1][0].append(paper)
        batches[-1][1].extend(chunk_paper(paper, size, overlap, unit))
    return [b for b in batches if b[1]]


def _embed_and_write(
    batches: list[tuple[list[Paper], list[Chunk]]],
    n_papers: int,
    index: Index,
    embedder: Embedder,
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
        for batch_papers, batch_chunks in batches:
            vectors = embedder.embed([c.text for c in batch_chunks])
            if pending is not None:
                pending.result()  # surfaces a write error before more work is queued
            pending = writer.submit(index.write, batch_papers, batch_chunks, vectors, chunking)
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
            index.delete(state.chunk_ids)
            pruned += 1
        elif keep != state.sources:
            index.set_sources(pid, state.chunk_ids, keep)
    return pruned

"""Disk-full and read-only scenarios on a real small filesystem (tmpfs).

Run by tests/test_disk.py inside its own mount namespace (``unshare -rm``), so the mounts
vanish with the process. Prints one JSON object per step; the test asserts on them.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from ingest.errors import IngestError  # noqa: E402
from rag import Engine, Settings, ingest_paths, open_store  # noqa: E402


def emit(step: str, **fields: object) -> None:
    print(json.dumps({"step": step, **fields}), flush=True)


def mount(target: Path, size: str, *options: str) -> None:
    opts = ",".join((f"size={size}", *options))
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(target)], check=True)


def remount(target: Path, *options: str) -> None:
    subprocess.run(["mount", "-o", ",".join(("remount", *options)), str(target)], check=True)


def corpus(path: Path, n: int, prefix: str) -> dict[str, str]:
    """n short, distinct papers; returns title -> abstract."""
    papers = {}
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            title = f"{prefix} study {i} of sparse routing"
            abstract = f"We measure routing variant {prefix}-{i} and report accuracy {i}.{i % 7} percent."
            papers[title] = abstract
            f.write(json.dumps({"id": f"{prefix}{i}", "title": title, "abstract": abstract}) + "\n")
    return papers


def cli_ingest(src: Path, index: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ui.cli", "ingest", str(src), "--index-path", str(index)],
        capture_output=True, text=True, timeout=600,
    )


def papers_in(settings: Settings) -> tuple[Counter, dict[str, str]]:
    """Chunks per paper and each paper's stored abstract."""
    metas = [m for _, m, _ in open_store(settings).records(["metadatas"])]
    per_paper = Counter(m["paper_id"] for m in metas)
    complete = all(per_paper[m["paper_id"]] == m["n_chunks"] for m in metas)
    abstracts = {m["title"]: m["abstract"] for m in metas if "abstract" in m}
    return (per_paper if complete else Counter()), abstracts


def main(root: Path) -> None:
    mnt = root / "mnt"
    mnt.mkdir()
    index = mnt / "chroma"
    settings = Settings().with_overrides(**{"chroma.path": index, "llm.provider": "extractive"})
    src = root / "papers.jsonl"
    expected = corpus(src, 400, "p")

    # 1. A disk too small for the job: refused up front, nothing written.
    mount(mnt, "1500k")
    proc = cli_ingest(src, index)
    emit("too_small", rc=proc.returncode, stderr=proc.stderr[-800:],
         chunks=_count(settings))

    # 2. The disk fills up part-way (another program takes the space after the first batch).
    remount(mnt, "size=64m")
    filler = mnt / "filler.bin"
    filled = False

    def fill_disk(done: int, total: int) -> None:
        nonlocal filled
        if done and not filled:
            filled = True
            free = shutil.disk_usage(mnt).free
            # Chunked, stopping at ENOSPC: the ingest's writer thread keeps writing while we
            # fill, so `free` can shrink before our write lands (a CI run hit exactly that).
            left = max(0, free - 96 * 1024)
            with filler.open("wb", buffering=0) as f:  # unbuffered: nothing left to flush
                while left > 0:
                    try:
                        left -= f.write(b"\0" * min(left, 1 << 20))
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break

    try:
        ingest_paths(settings, [src], progress=fill_disk)
        emit("filled_midway", error=None)
    except IngestError as exc:
        emit("filled_midway", error=str(exc), type=type(exc).__name__)
    per_paper, _ = papers_in(settings)
    emit("after_full", papers=len(per_paper))

    # 3. Space freed: the next run finishes, every paper once, content as in the source.
    filler.unlink()
    proc = cli_ingest(src, index)
    per_paper, abstracts = papers_in(settings)
    emit("rerun", rc=proc.returncode, stdout=proc.stdout[-400:], stderr=proc.stderr[-300:],
         papers=len(per_paper), max_chunks=max(per_paper.values(), default=0),
         content_ok=abstracts == expected)

    # 4. Read-only (a read-only bind mount of the same index): ingest refuses before writing;
    # asking still works.
    view = root / "ro"
    view.mkdir()
    subprocess.run(["mount", "--bind", str(mnt), str(view)], check=True)
    remount(view, "bind", "ro")
    ro_settings = settings.with_overrides(**{"chroma.path": view / "chroma"})
    more = root / "more.jsonl"
    corpus(more, 5, "q")
    proc = cli_ingest(more, view / "chroma")
    emit("read_only_ingest", rc=proc.returncode, stderr=proc.stderr[-800:],
         chunks=_count(ro_settings))
    try:
        engine = Engine(ro_settings, auto_ingest=False)
        answer = engine.ask("Which study reports routing variant p-17?")
        emit("read_only_ask", refused=answer.refused,
             cited=[c.title for c in answer.citations], error=None)
    except Exception as exc:  # reported, and the test decides
        emit("read_only_ask", error=f"{type(exc).__name__}: {exc}")


def _count(settings: Settings) -> int:
    try:
        return open_store(settings).count()
    except IngestError:
        return 0


if __name__ == "__main__":
    main(Path(sys.argv[1]))

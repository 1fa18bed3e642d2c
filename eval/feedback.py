"""Readers' thumbs up/down, kept on this machine, and turned into questions to evaluate.

The page appends one JSON line per vote to a file beside the index (``feedback_path``).
``paperchat eval --from-feedback`` turns the down-voted answers into a question file that keeps
the question, the answer given, its sources and the comment, so a person can add the gold
(``type``, ``gold_titles``, ``must_include``) and keep it as a regression question.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

from rag import Answer, Settings

_LOCK = threading.Lock()


def feedback_path(settings: Settings) -> Path:
    """``settings.ui.feedback_path``, else ``<index>-feedback.jsonl`` beside an on-disk index,
    else (a Chroma server) ``feedback.jsonl`` in paperchat's cache directory."""
    if settings.ui.feedback_path:
        return Path(settings.ui.feedback_path)
    if settings.chroma.host:
        return Path.home() / ".cache" / "paperchat" / "feedback.jsonl"
    index = Path(settings.index_path)
    return index.parent / f"{index.name}-feedback.jsonl"


def record(path: Path, answer: Answer, liked: bool, comment: str = "") -> dict:
    """Append one vote (whole lines only, so a crash never leaves half a record)."""
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "vote": "up" if liked else "down",
        "comment": comment.strip(),
        "question": answer.question,
        "answer": answer.text,
        "evidence": answer.evidence,
        "confidence": answer.confidence,
        "mode": answer.mode,
        "cited": [c.title for c in answer.citations],
        "sources": [s.title for s in answer.sources],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return entry


def read(path: Path) -> list[dict]:
    """Every vote; a torn or foreign line is skipped."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("question") and entry.get("vote") in ("up", "down"):
            out.append(entry)
    return out


def to_questions(entries: list[dict]) -> list[dict]:
    """The down-voted answers as question records (type "open" until a person adds gold),
    the last vote on a question deciding, one record per question."""
    last: dict[str, dict] = {}
    for e in entries:
        last[e["question"]] = e
    out = []
    for i, e in enumerate((e for e in last.values() if e["vote"] == "down"), 1):
        out.append({
            "id": f"fb{i:03d}",
            "type": "open",
            "question": e["question"],
            "gold_titles": [],
            "must_include": [],
            "answer_given": e.get("answer", ""),
            "cited": e.get("cited", []),
            "sources": e.get("sources", []),
            "comment": e.get("comment", ""),
            "voted": e.get("time", ""),
            "todo": "set type, gold_titles and must_include (and answer), then keep it as a regression question",
        })
    return out

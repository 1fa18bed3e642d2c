"""Question files: our JSONL/CSV (with or without gold), and a verifier for the shipped set."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

from ingest import read_paths

from .metrics import contains_key

SHIPPED = Path(__file__).resolve().parent / "questions.jsonl"
TYPES = {"factoid", "which-paper", "multi-paper", "unanswerable", "open"}


class QuestionFileError(ValueError):
    """A question file is unusable; the message names the file and line."""


@dataclass
class Question:
    id: str
    question: str
    type: str = "open"  # "open": no gold, only grounding is judged
    gold_titles: list[str] = field(default_factory=list)
    answer: str = ""
    must_include: list[str] = field(default_factory=list)
    # Strings no answer may contain (red-team sets: an injected payload, a planted URL).
    must_not_include: list[str] = field(default_factory=list)
    split: str = ""  # "dev" (tune on it) or "test" (report once), for the blind sets
    subtype: str = ""  # unanswerable: "off-topic" (subject absent) or "near-miss" (detail absent)

    @property
    def has_gold(self) -> bool:
        return self.type != "open"

    @property
    def unanswerable(self) -> bool:
        return self.type == "unanswerable"


def _listify(value: object) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, list):  # titles compare as the corpus reader cleans them: no edge spaces
        return [" ".join(str(v).split()) for v in value if str(v).strip()]
    return [s.strip() for s in str(value).split("|") if s.strip()]


def _make(record: dict, where: str, index: int) -> Question:
    text = str(record.get("question") or record.get("text") or record.get("query") or "").strip()
    if not text:
        raise QuestionFileError(f"{where}: no 'question' field")
    qtype = str(record.get("type") or ("open" if not record.get("gold_titles") else "factoid"))
    if qtype not in TYPES:
        raise QuestionFileError(f"{where}: unknown type {qtype!r} (one of {', '.join(sorted(TYPES))})")
    return Question(
        id=str(record.get("id") or record.get("_id") or f"q{index}"),
        question=text,
        type=qtype,
        gold_titles=_listify(record.get("gold_titles")),
        answer=str(record.get("answer") or ""),
        must_include=_listify(record.get("must_include")),
        must_not_include=_listify(record.get("must_not_include")),
        split=str(record.get("split") or ""),
        subtype=str(record.get("subtype") or ""),
    )


@dataclass
class Conversation:
    """Turns asked in order through one ``rag.Chat``; later turns depend on earlier ones.
    Each turn is a ``Question`` whose id is ``<conversation id>#<turn number>``."""

    id: str
    turns: list[Question]
    split: str = ""


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise QuestionFileError(f"{path}: cannot read ({exc})") from None


def _json_lines(path: Path, text: str) -> list[tuple[int, dict]]:
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise QuestionFileError(f"{path}:{i}: invalid JSON ({exc})") from None
        if not isinstance(record, dict):
            raise QuestionFileError(f"{path}:{i}: expected a JSON object")
        out.append((i, record))
    return out


def is_conversation_file(path: str | Path) -> bool:
    """A JSONL file whose first record has ``turns``."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        return False
    records = _json_lines(path, _read(path))
    return bool(records) and "turns" in records[0][1]


def load_conversations(path: str | Path) -> list[Conversation]:
    """``{"id", "split", "turns": [{question, type, gold_titles, answer, must_include}, …]}``
    per line; the first turn stands alone, later ones may refer back."""
    path = Path(path)
    conversations = []
    for i, record in _json_lines(path, _read(path)):
        turns = record.get("turns")
        if not isinstance(turns, list) or not turns or not all(isinstance(t, dict) for t in turns):
            raise QuestionFileError(f"{path}:{i}: 'turns' must be a non-empty list of question objects")
        cid = str(record.get("id") or f"c{i}")
        split = str(record.get("split") or "")
        made = [_make({**t, "id": f"{cid}#{k}", "split": split}, f"{path}:{i} turn {k}", k)
                for k, t in enumerate(turns, 1)]
        conversations.append(Conversation(id=cid, turns=made, split=split))
    if not conversations:
        raise QuestionFileError(f"{path}: no conversations")
    _unique_ids(path, [c.id for c in conversations])
    return conversations


def load_questions(path: str | Path) -> list[Question]:
    """Read JSONL (one object per line) or CSV (header with a 'question' column)."""
    path = Path(path)
    text = _read(path)
    questions: list[Question] = []
    if path.suffix.lower() == ".csv":
        for i, row in enumerate(csv.DictReader(text.splitlines()), 2):
            questions.append(_make({k.lower(): v for k, v in row.items() if k}, f"{path}:{i}", i))
    else:
        for i, record in _json_lines(path, text):
            if "turns" in record:
                raise QuestionFileError(f"{path}:{i}: a conversation among single questions "
                                        "(a conversation file has 'turns' on every line)")
            questions.append(_make(record, f"{path}:{i}", i))
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    _unique_ids(path, [q.id for q in questions])
    return questions


def _unique_ids(path: Path, ids: list[str]) -> None:
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise QuestionFileError(f"{path}: duplicate ids {sorted(dupes)[:5]}")


def verify(questions: list[Question], corpus_paths: list[str | Path]) -> list[str]:
    """Problems with a gold set: unknown gold titles, key strings absent from gold abstracts."""
    papers = {p.title: p.abstract for p in read_paths(corpus_paths).papers}
    problems = []
    for q in questions:
        if q.unanswerable and (q.gold_titles or q.must_include):
            problems.append(f"{q.id}: unanswerable question with gold titles or key strings")
        for title in q.gold_titles:
            if title not in papers:
                problems.append(f"{q.id}: gold title not in corpus: {title!r}")
        gold_text = " ".join(papers.get(t, "") + " " + t for t in q.gold_titles)
        for key in q.must_include:
            if not contains_key(gold_text, key):
                problems.append(f"{q.id}: key string {key!r} not in any gold abstract")
        # up to 6: a topic the collection covers in more papers than the top 5 is a real question
        if q.type == "multi-paper" and not 2 <= len(q.gold_titles) <= 6:
            problems.append(f"{q.id}: multi-paper question needs 2-6 gold titles")
    return problems

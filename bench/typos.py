"""Copies of question sets with typing slips in them, to measure what slips cost an answer.

    python bench/typos.py --split dev --out DIR eval/paraphrase*.jsonl eval/scifact_qa*.jsonl
    paperchat eval DIR/paraphrase4.jsonl --fresh --out …   # then as any set

Each question of the split gets two slips (seeded by its id, so every run makes the same ones),
in two of its lower-case words of five letters or more that are not among its key facts: a
letter dropped, doubled, two neighbours swapped, or a vowel changed. The question is then
lower-cased, and half of them lose their question mark. These are the slips the chat-typed
blind sets (eval/paraphrase10.jsonl, eval/scifact_qa7.jsonl) were written with, made by rule
instead of by hand, so the other sets' answers with and without them can be compared
(README, stop 46). Writes one file per set; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

_KEEP = frozenset("the and for with that this what which from into over under about their there these those have "
                  "does did was were are how many much when where who whose why paper papers work study model "
                  "models method".split())


def slip(word: str, r: random.Random) -> str:
    """``word`` with one slip inside it (its first and last letters kept)."""
    i = r.randrange(1, len(word) - 2)
    kind = r.randrange(4)
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    if kind == 3 and word[i] in "aeiou":
        return word[:i] + r.choice([v for v in "aeiou" if v != word[i]]) + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def typed(question: dict) -> str:
    r = random.Random(question["id"])
    keys = " ".join(question.get("must_include", [])).lower()
    words = [m for m in re.finditer(r"\b[a-z]{5,}\b", question["question"]) if m.group(0) not in _KEEP
             and m.group(0) not in keys]
    text = question["question"]
    for m in sorted(r.sample(words, min(2, len(words))), key=lambda m: m.start(), reverse=True):
        text = text[: m.start()] + slip(m.group(0), r) + text[m.end() :]
    text = text.lower()
    return text.rstrip("?").rstrip() if r.random() < 0.5 else text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="+", type=Path)
    ap.add_argument("--split", default="dev")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for path in args.sets:
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        rows = [dict(q, question=typed(q)) for q in rows if q.get("split") == args.split and "turns" not in q]
        with (args.out / path.name).open("w", encoding="utf-8") as f:
            f.writelines(json.dumps(q) + "\n" for q in rows)
        print(f"{path.name}: {len(rows)} questions")


if __name__ == "__main__":
    main()

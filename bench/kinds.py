"""How often the question's kind is read right: the kind patterns alone against the patterns
plus the shipped kind model (``rag.kind``, ``models/kind.json``).

    python bench/kinds.py [--split dev|test] [SET ...]

SET: a question set under ``eval/`` (default ``kinds``: the blind set of question kinds). A
set's questions carry their kind as ``kind`` (``eval/kinds.jsonl``) or as ``type`` (the answer
sets; conversations: their first turn; unanswerable questions have no kind and are skipped).
"factoid" and "other" are one class: neither asks for a paper. Prints, per set and split,
right / questions and the right share per kind; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.kind import KindModel  # noqa: E402
from rag.question import profile  # noqa: E402

PAPERS = ("which-paper", "multi-paper")


def labelled(name: str, split: str | None) -> list[tuple[str, str, str]]:
    """(split, question, kind) for every question of the set with a kind."""
    out = []
    for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if split and q.get("split") != split:
            continue
        first = q["turns"][0] if "turns" in q else q
        kind = first.get("kind") or first.get("type")
        if kind in ("which-paper", "multi-paper", "factoid", "other"):
            out.append((q.get("split", "-"), first["question"], kind if kind in PAPERS else "other"))
    return out


def read_as(question: str, model: KindModel | None) -> str:
    kind = profile(question, learned=model).kind
    return kind if kind in PAPERS else "other"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sets", nargs="*", default=["kinds"])
    ap.add_argument("--split", choices=("dev", "test"))
    ap.add_argument("--model", type=Path, default=None, help="a kind model other than the shipped one")
    args = ap.parse_args()
    model = KindModel(args.model) if args.model else KindModel()
    for name in args.sets:
        rows = labelled(name, args.split)
        for split in sorted({r[0] for r in rows}):
            part = [r for r in rows if r[0] == split]
            for label, m in (("patterns", None), ("patterns + model", model)):
                right = Counter(kind for _, q, kind in part if read_as(q, m) == kind)
                total = Counter(kind for _, _, kind in part)
                per = " · ".join(f"{k} {right[k]}/{total[k]}" for k in ("multi-paper", "which-paper", "other"))
                print(f"{name:15} {split:4} {label:16} {sum(right.values()):3d}/{len(part)}  ({per})")


if __name__ == "__main__":
    main()

"""Two choices that shape an answer, measured on the blind sets: the question's kind, and the
paper an answer leads with.

- **Kinds** (`rag/question.py`): each blind set's first questions (factoid, which-paper,
  multi-paper as labelled) read as their labelled kind, on the dev splits (what the cues were
  read off) and on the held-out ones (test splits, and paraphrase2, which has none). No index.
- **Lead** (`rag/evidence.lead_order`, `evidence.rank_step`): for the dev splits' factoid and
  which-paper questions, how often the gold paper is the one the answer leads with, for steps
  from 0 (reading alone) up; and how often a factoid is answered from the gold paper when only
  a paper it calls by its own name is its subject (shipped), or also a paper whose abstract
  writes a name it writes, as written ("YOLO" in "YOLOv8", "US" not in "let us") or as
  lower-cased words. Needs the bundled index and, for scifact_qa, a SciFact index.

    .venv/bin/python bench/answer_shape.py                                  # kinds only
    .venv/bin/python bench/answer_shape.py --bundled-index DIR --scifact-index DIR

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.question import profile  # noqa: E402

SETS = ["paraphrase", "paraphrase2", "paraphrase3", "paraphrase4", "paraphrase5", "conversations", "conversations2",
        "conversations3", "conversations4", "scifact_qa"]
KINDS = ("factoid", "which-paper", "multi-paper")
STEPS = (0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.1)


def first_questions(name: str) -> list[tuple[str, dict]]:
    """(split, first turn) of every question of a set; no split field means held out."""
    out = []
    for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        out.append((q.get("split", "test"), q["turns"][0] if "turns" in q else q))
    return out


def kinds() -> None:
    for split in ("dev", "test"):
        rows = [t for name in SETS for s, t in first_questions(name) if s == split and t.get("type") in KINDS]
        right = sum(profile(t["question"]).kind == t["type"] for t in rows)
        print(f"kinds, {'dev' if split == 'dev' else 'held out'}: {right}/{len(rows)} = {right / len(rows):.3f}")


def lead(bundled_index: str | None, scifact_index: str | None) -> None:
    from rag import Engine, Settings
    from rag.evidence import lead_order, subject_source

    base = Settings().with_overrides(**{"llm.provider": "extractive"})
    engines = {"bundled": Engine(base.with_overrides(**{"chroma.path": bundled_index}) if bundled_index else base,
                                 auto_ingest=False)}
    if scifact_index:
        engines["scifact"] = Engine(base.with_overrides(**{"chroma.path": scifact_index,
                                                           "chroma.collection": "beir-scifact-beir"}), auto_ingest=False)
    for corpus, engine in engines.items():
        names = ["scifact_qa"] if corpus == "scifact" else [n for n in SETS if n not in ("scifact_qa", "paraphrase2")]
        cases, questions = [], []
        for name in names:
            for split, t in first_questions(name):
                if split != "dev" or t.get("type") not in ("factoid", "which-paper"):
                    continue
                asked = profile(t["question"])
                retrieval = engine.retriever.retrieve(asked.text)
                sentences = engine.read(asked, retrieval)
                cases.append((retrieval.sources, sentences, set(t["gold_titles"])))
                questions.append(t["question"])
        cells = []
        for step in STEPS:
            hits = 0
            for sources, sentences, gold in cases:
                order = lead_order(sources, sentences, step)
                titles = {s.n: s.title for s in sources}
                hits += bool(order) and titles[order[0]] in gold
            cells.append(f"{step:g}: {hits}")
        print(f"lead, {corpus} dev ({len(cases)} factoid and which-paper questions), gold paper first by step: "
              + ", ".join(cells))
        # the paper a factoid is answered from: the one it names (rag.evidence.subject_source), else the lead
        factoids = [(q, src, sen, gold) for q, (src, sen, gold) in zip(questions, cases, strict=True)
                    if profile(q).kind == "factoid" and src]
        rules = {"its own names only (shipped)": ("name", True), "or a name the abstract writes": ("mention", True),
                 "or a name among the abstract's lower-cased words": ("mention", False)}
        for rule, (by, as_written) in rules.items():
            right = 0
            for q, sources, sentences, gold in factoids:
                subject = subject_source(profile(q), sources, as_written=as_written, by=by)
                order = lead_order(sources, sentences, engine.settings.evidence.rank_step)
                about = subject.n if subject else (order[0] if order else sources[0].n)
                right += {s.n: s.title for s in sources}[about] in gold
            print(f"subject, {corpus} dev ({len(factoids)} factoids), answered from the gold paper, {rule}: {right}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundled-index", help="the bundled corpus's index (default: the configured one)")
    ap.add_argument("--scifact-index", help="a SciFact index (collection beir-scifact-beir), for scifact_qa")
    ap.add_argument("--kinds-only", action="store_true")
    args = ap.parse_args()
    kinds()
    if not args.kinds_only:
        lead(args.bundled_index, args.scifact_index)


if __name__ == "__main__":
    main()

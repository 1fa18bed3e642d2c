"""How a reader model reads the blind dev questions, before any decision is fitted on it.

For every question of the blind sets' dev splits (the product's own profile → retrieve → both
readers), it prints, per reader (the shipped similarity reader, the learned reader given by
``--model``, and their mean):
- **AUC, answerable vs off-topic / vs near-miss**, of the best sentence score over the retrieved
  papers: does the reader score a question the collection answers above one it does not?
- **factoid key in the top sentence**: for answerable factoids, how often the sentence the reader
  ranks first (of all retrieved papers) states a key fact; and within the gold paper only.
- **which-paper gold first**: how often the top sentence is the gold paper's.

    .venv/bin/python bench/reader_probe.py --bundled-index DIR --scifact-index DIR \\
        [--scifact-collection NAME] [--model models/reader-int8.onnx] [--rows FILE]

``--rows`` caches the per-question scores (JSON): read if it exists, else written. Prints
figures; asserts nothing. Test splits are never read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from eval.metrics import auc, contains_key  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from rag import Engine, Settings  # noqa: E402
from rag.reader import MODEL, LearnedReader, rank  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact" / "beir"
SETS = "paraphrase,paraphrase3,paraphrase4,paraphrase5,scifact_qa"
READERS = ("similar", "learned", "mean")


def rows(engine: Engine, name: str) -> list[dict]:
    out = []
    for q in load_questions(ROOT / "eval" / f"{name}.jsonl"):
        if q.split != "dev":
            continue
        asked = engine.profile(q.question)
        retrieval = engine.retriever.retrieve(q.question)
        titles = {s.n: s.title for s in retrieval.sources}
        sents = rank(asked, retrieval.sources, engine.learned, engine.similarity, "similarity", need_learned=True)
        out.append({
            "set": name, "id": q.id, "type": q.type, "subtype": q.subtype,
            "gold": q.gold_titles, "keys": q.must_include,
            "sentences": [{"title": titles[s.n], "text": s.text, "similar": s.similar, "learned": s.learned}
                          for s in sents],
        })
    return out


def score(s: dict, reader: str) -> float:
    return (s["similar"] + s["learned"]) / 2 if reader == "mean" else s[reader]


def _top_states_key(r: dict, reader: str, gold_only: bool) -> bool:
    """Whether the sentence ``reader`` ranks first (of the gold paper's, with ``gold_only``)
    states one of the question's key facts."""
    pool = [s for s in r["sentences"] if not gold_only or s["title"] in r["gold"]]
    top = max(pool, key=lambda s: score(s, reader), default=None)
    return top is not None and any(contains_key(top["text"], k) for k in r["keys"])


def _table(title: str, data: list[dict], sets: list[str], cell: Callable[[list[dict], str], str],
           keep: Callable[[dict], bool]) -> None:
    """One row per reader, one column per set (and all): ``cell`` of the rows ``keep`` selects."""
    print(title)
    for reader in READERS:
        cells = [cell([r for r in data if name in ("all", r["set"]) and keep(r)], reader) for name in sets]
        print(f"  {reader:8}" + "  ".join(f"{c:>14}" for c in cells))


def _separation(sel: list[dict], reader: str) -> str:
    best = {r["id"] + r["set"]: max(score(s, reader) for s in r["sentences"]) for r in sel}
    ans = [best[r["id"] + r["set"]] for r in sel if r["type"] != "unanswerable"]
    return "/".join(f"{auc(ans, [best[r['id'] + r['set']] for r in sel if r['subtype'] == t]):.2f}"
                    for t in ("off-topic", "near-miss"))


def _key_first(sel: list[dict], reader: str) -> str:
    hit, ghit = (sum(_top_states_key(r, reader, gold_only) for r in sel) for gold_only in (False, True))
    return f"{hit}/{ghit} of {len(sel)}"


def _gold_first(sel: list[dict], reader: str) -> str:
    hit = sum(1 for r in sel if max(r["sentences"], key=lambda s: score(s, reader))["title"] in r["gold"])
    return f"{hit} of {len(sel)}"


def report(data: list[dict]) -> None:
    sets = [*dict.fromkeys(r["set"] for r in data), "all"]
    print("reader    " + "  ".join(f"{n:>14}" for n in sets))
    _table("AUC of the best sentence, answerable vs off-topic / near-miss", data, sets, _separation,
           lambda r: bool(r["sentences"]))
    _table("factoid key in the top sentence: all retrieved / within the gold paper", data, sets, _key_first,
           lambda r: r["type"] == "factoid" and bool(r["keys"]))
    _table("which-paper: the top sentence is the gold paper's", data, sets, _gold_first,
           lambda r: r["type"] == "which-paper" and bool(r["sentences"]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bundled-index", default=None)
    ap.add_argument("--scifact-index", default=None)
    ap.add_argument("--scifact-collection", default="beir-scifact-beir")
    ap.add_argument("--model", default=str(MODEL), help="the learned reader's int8 ONNX (its .sha256 beside it)")
    ap.add_argument("--sets", default=SETS)
    ap.add_argument("--rows", default=None)
    args = ap.parse_args()
    cache = Path(args.rows) if args.rows else None
    if cache is not None and cache.exists():
        data = json.loads(cache.read_text())
    else:
        base = Settings().with_overrides(**{"llm.provider": "extractive"})
        engines = {}
        data = []
        for name in args.sets.split(","):
            corpus = "scifact" if name.startswith("scifact") else "bundled"
            if corpus not in engines:
                over = ({"data_dir": SCIFACT, "chroma.path": args.scifact_index,
                         "chroma.collection": args.scifact_collection} if corpus == "scifact"
                        else {"chroma.path": args.bundled_index} if args.bundled_index else {})
                engines[corpus] = Engine(base.with_overrides(**over), auto_ingest=False)
                engines[corpus].learned = LearnedReader(Path(args.model))
            data += rows(engines[corpus], name)
        if cache is not None:
            cache.write_text(json.dumps(data))
    report(data)


if __name__ == "__main__":
    main()

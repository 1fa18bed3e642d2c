"""Rebuild the paper slices the reader's training questions were written from
(``models/reader_questions.jsonl``; models/README.md).

Papers no question set uses: bundled papers whose title appears in no ``eval/**/*.jsonl`` file
(gold or named near miss), and SciFact papers that are not cited by a SciFact dev or test
claim, not in a BEIR dev/test qrel, and not named by ``eval/scifact_qa.jsonl``. 150 of each,
drawn with seed 7, in six slices of 50 (``slice_b0..2.txt``, ``slice_s0..2.txt``), each paper's
sentences numbered as the reader sees them; ``slices.json`` maps slice ids back to papers.

    .venv/bin/python models/reader_questions/slices.py OUT_DIR
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
SCIFACT = ROOT.parent / "shared" / "benchmarks" / "scifact"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()[:60]


def main() -> None:
    from ingest.readers import read_paths
    from rag.text import split_sentences

    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    used = re.sub(r"\s+", " ", " ".join(p.read_text(encoding="utf-8").lower() for p in (ROOT / "eval").rglob("*.jsonl")))
    used = used + " " + used.replace('\\"', '"')
    bundled = [p for p in read_paths([ROOT / "data"]).papers if _norm(p.title) not in used]
    cited: set[int] = set()
    for name in ("claims_dev.jsonl", "claims_test.jsonl"):
        for line in open(SCIFACT / "original" / name, encoding="utf-8"):
            c = json.loads(line)
            cited |= {int(d) for d in c.get("cited_doc_ids", [])} | {int(d) for d in c.get("evidence", {})}
    for qrels in (SCIFACT / "beir" / "qrels").glob("*"):
        if "train" not in qrels.name:
            cited |= {int(row.split()[1]) for row in qrels.read_text().splitlines() if row.split()[1:2] and row.split()[1].isdigit()}
    scifact = [d for d in map(json.loads, open(SCIFACT / "original" / "corpus.jsonl", encoding="utf-8"))
               if d["doc_id"] not in cited and _norm(d["title"]) not in used and len(d["abstract"]) >= 4]
    rng = random.Random(7)
    b, s = rng.sample(bundled, 150), rng.sample(scifact, 150)
    for i in range(3):
        with open(out / f"slice_b{i}.txt", "w", encoding="utf-8") as fh:
            for j, p in enumerate(b[i * 50 : (i + 1) * 50]):
                sents = [x.text for x in split_sentences(p.abstract)]
                fh.write(f"=== paper b{i}-{j:02d}\nTITLE: {p.title}\n" + "\n".join(f"[{k}] {x}" for k, x in enumerate(sents)) + "\n\n")
        with open(out / f"slice_s{i}.txt", "w", encoding="utf-8") as fh:
            for j, d in enumerate(s[i * 50 : (i + 1) * 50]):
                sents = [x.strip() for x in d["abstract"] if x.strip()]
                fh.write(f"=== paper s{i}-{j:02d}\nTITLE: {d['title']}\n" + "\n".join(f"[{k}] {x}" for k, x in enumerate(sents)) + "\n\n")
    (out / "slices.json").write_text(json.dumps({"bundled": [p.title for p in b], "scifact": [d["doc_id"] for d in s]}))


if __name__ == "__main__":
    main()

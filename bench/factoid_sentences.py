"""Which sentence of the gold paper a factoid's answer would lead with: for every factoid of the
blind sets' chosen split whose gold paper is retrieved (top 5) and states the key fact, the
rank of the first sentence stating it among that paper's sentences, ordered by the similarity
reader, the learned reader, their blend (the shipped weight), and as the product orders them
with the answer-type model (``rag.answer_type``): its choice of the lead, then the blend's order.

    python bench/factoid_sentences.py --bundled-index DIR --scifact-index DIR [--split dev]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.dev_engines import dev_engines  # noqa: E402
from eval.metrics import contains_key, same_title  # noqa: E402
from rag.answer_type import shipped  # noqa: E402
from rag.text import evidence_sentences  # noqa: E402

BUNDLED = ("paraphrase", "paraphrase3", "paraphrase4", "paraphrase5", "paraphrase6", "paraphrase7")
SCIFACT = ("scifact_qa", "scifact_qa2", "scifact_qa3", "scifact_qa4")


def main() -> None:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    known, rest = ap.parse_known_args()
    split = known.split
    sys.argv = [sys.argv[0], *rest]  # the index arguments, read by dev_engines
    bundled, scifact, _ = dev_engines(__doc__.splitlines()[0])
    model = shipped()
    weight = bundled.settings.evidence.factoid_learned
    orders = ("similarity", "learned", "blend", "blend + answer type")
    first = dict.fromkeys(orders, 0)
    second = dict.fromkeys(orders, 0)
    counted = 0
    for name in BUNDLED + SCIFACT:
        engine = scifact if name in SCIFACT else bundled
        for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            q = json.loads(line)
            if q.get("split") != split or q["type"] != "factoid":
                continue
            asked = engine.profile(q["question"])
            retrieval = engine.retriever.retrieve(q["question"])
            gold = next((s for s in retrieval.sources if any(same_title(s.title, g) for g in q["gold_titles"])), None)
            if gold is None:
                continue
            texts = [x.text for x in evidence_sentences(gold.abstract)]
            key = [all(contains_key(t, k) for k in q["must_include"]) for t in texts]
            if len(texts) < 2 or not any(key):
                continue
            engine.embedder.remember(engine.index.sentence_vectors((gold.paper_id, t) for t in texts))
            sim = engine.similarity.score(asked.text, texts).astype(np.float64)
            learned = engine.learned.score(asked.text, texts).astype(np.float64)
            blend = (1 - weight) * sim + weight * learned
            typed = (1 - weight) * (sim + model.adjust(asked, texts, [k / (len(texts) - 1) for k in range(len(texts))]))
            typed = typed + weight * learned
            counted += 1
            for label, score in zip(orders, (sim, learned, blend, typed), strict=True):
                order = list(np.argsort(-score, kind="stable"))
                if score is typed:  # as the product orders them: the model's lead, then the blend's order
                    lead = int(np.argmax(typed))
                    order = [lead] + [i for i in np.argsort(-blend, kind="stable") if i != lead]
                rank = [key[i] for i in order].index(True)
                first[label] += rank == 0
                second[label] += rank <= 1
    print(f"{split} factoids whose gold paper is retrieved and states the key fact: {counted}")
    for label in orders:
        print(f"  {label:22} key sentence first {first[label]:3}   in the first two {second[label]:3}")


if __name__ == "__main__":
    main()

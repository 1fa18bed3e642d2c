"""Which sentence of the gold paper a factoid's answer would lead with: for every factoid of the
blind sets' chosen split whose gold paper is retrieved (top 5) and states the key fact, the
rank of the first sentence stating it among that paper's sentences, ordered by the similarity
reader, the learned reader, their blend (the shipped weight), and as the product orders them
with the answer-type model (``rag.answer_type``): its choice of the lead, then the blend's order,
without and with ``evidence.figure_fit`` (stop 50) added.

    python bench/factoid_sentences.py --bundled-index DIR --scifact-index DIR [--split dev] [--calibration]

``--calibration`` (stop 48) reads every blind set instead and, as ``blend_paper`` orders the
paper with three typed places, prints how the answer-type model's probability that the quoted
sentences state the answer (``Scored.typed``) compares with how often they hold a key fact, and
the key facts the first two or three quoted hold, and ``answer.factoid_sure`` in between.
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
from rag.answer_type import figure_fit, shipped  # noqa: E402
from rag.reader import Scored, blend_paper  # noqa: E402
from rag.text import evidence_sentences  # noqa: E402

BUNDLED = ("paraphrase", "paraphrase3", "paraphrase4", "paraphrase5", "paraphrase6", "paraphrase7")
SCIFACT = ("scifact_qa", "scifact_qa2", "scifact_qa3", "scifact_qa4")
ALL = (BUNDLED + ("paraphrase8", "paraphrase9"), SCIFACT + ("scifact_qa5", "scifact_qa6"))
SURE = (0.5, 0.7, 0.8, 0.9)


def calibration(rows: list[tuple[list[Scored], list[bool], list[list[bool]]]]) -> None:
    """``rows``: per factoid its paper's sentences as quoted (``blend_paper``, three typed places),
    whether each states every key fact, and which key facts each states."""
    bins: dict[tuple[int, int], list[tuple[float, bool]]] = {}
    for quoted, every, _ in rows:
        for top in (1, 2):
            chance = sum(s.typed for s in quoted[:top])
            bins.setdefault((top, min(int(chance * 5), 4)), []).append((chance, any(every[:top])))
    print("the answer-type model's probability that the first one / two quoted state the answer, "
          "against how often one states every key fact:")
    for (top, _), seen in sorted(bins.items()):
        print(f"  first {top}: n {len(seen):3}  probability {np.mean([c for c, _ in seen]):.2f}  "
              f"held {np.mean([h for _, h in seen]):.2f}")

    def held(count: int | None, sure: float = 0.0) -> tuple[float, float]:
        facts, quoted_n = 0.0, 0
        for quoted, _, each in rows:
            n = count or next((k for k in (2, 3) if sum(s.typed for s in quoted[:k]) >= sure), 3)
            facts += np.mean([any(e[k] for e in each[:n]) for k in range(len(each[0]))])
            quoted_n += min(n, len(quoted))
        return facts, quoted_n / len(rows)
    for label, (facts, mean) in [("first two", held(2)), ("first three", held(3))] + [
            (f"factoid_sure {x}", held(None, x)) for x in SURE]:
        print(f"  {label:18} key facts {facts:5.1f} of {len(rows)}  sentences quoted {mean:.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--split", default="dev", choices=("dev", "test"))
    ap.add_argument("--calibration", action="store_true")
    known, rest = ap.parse_known_args()
    split = known.split
    sys.argv = [sys.argv[0], *rest]  # the index arguments, read by dev_engines
    bundled, scifact, _ = dev_engines(__doc__.splitlines()[0])
    model = shipped()
    weight = bundled.settings.evidence.factoid_learned
    orders = ("similarity", "learned", "blend", "blend + answer type", "+ figure fit")
    fit_weight = bundled.settings.evidence.figure_fit
    first = dict.fromkeys(orders, 0)
    second = dict.fromkeys(orders, 0)
    counted = 0
    sets = ALL if known.calibration else (BUNDLED, SCIFACT)
    rows: list[tuple[list[Scored], list[bool], list[list[bool]]]] = []
    for name in sets[0] + sets[1]:
        engine = scifact if name in sets[1] else bundled
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
            each = [[contains_key(t, k) for k in q["must_include"]] for t in texts]
            if len(texts) < 2 or not (any(key) or (known.calibration and any(map(any, each)))):
                continue
            engine.embedder.remember(engine.index.sentence_vectors((gold.paper_id, t) for t in texts))
            sim = engine.similarity.score(asked.text, texts).astype(np.float64)
            learned = engine.learned.score(asked.text, texts).astype(np.float64)
            blend = (1 - weight) * sim + weight * learned
            typed = (1 - weight) * (sim + model.adjust(asked, texts, [k / (len(texts) - 1) for k in range(len(texts))]))
            typed = typed + weight * learned
            # as the product adds it (evidence.figure_fit): to the blend and the model's choice alike
            fit = fit_weight * figure_fit(asked, texts, engine.embedder.embed)
            fitted = typed + fit
            counted += 1
            if known.calibration:
                ranked = sorted(range(len(texts)), key=lambda i: -sim[i])
                own = [Scored(float(sim[i]), 1, texts[i], similar=float(sim[i])) for i in ranked]
                quoted = blend_paper(asked, own, 1, engine.learned, weight, model, texts, 3)
                place = {t: i for i, t in enumerate(texts)}
                rows.append((quoted, [key[place[s.text]] for s in quoted], [each[place[s.text]] for s in quoted]))
                continue
            for label, score in zip(orders, (sim, learned, blend, typed, fitted), strict=True):
                order = list(np.argsort(-score, kind="stable"))
                if score is typed or score is fitted:  # as the product orders them: the model's lead, then the blend's
                    rest = blend if score is typed else blend + fit
                    lead = int(np.argmax(score))
                    order = [lead] + [i for i in np.argsort(-rest, kind="stable") if i != lead]
                rank = [key[i] for i in order].index(True)
                first[label] += rank == 0
                second[label] += rank <= 1
    if known.calibration:
        print(f"{split} factoids of every blind set whose gold paper is retrieved and states a key fact: {counted}")
        calibration(rows)
        return
    print(f"{split} factoids whose gold paper is retrieved and states the key fact: {counted}")
    for label in orders:
        print(f"  {label:22} key sentence first {first[label]:3}   in the first two {second[label]:3}")


if __name__ == "__main__":
    main()

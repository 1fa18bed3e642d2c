"""What the soft coverage (``rag.coverage``) and the slot check tell apart on the blind dev splits:
the measurements behind the README section "Soft coverage: the refusal fitted against off-topic
questions" that ``bench/fit_evidence.py`` does not print.

    python bench/coverage_probe.py --bundled-index DIR --scifact-index DIR [--scifact-collection NAME]

1. the slot check: how often it finds the asked slot missing for answerable factoids and for
   near misses, and for answerable ones whose answer paper states the key fact;
2. soft coverage against off-topic questions with the top paper's text cut to fewer tokens, and
   how many questions have a word the top paper has nothing close to (what a refusal names);
3. multi-paper questions: soft coverage of each retrieved paper, gold against the others, beside
   the listing floor's score (best sentence as a share of the best paper's) and the rank;
4. which paper a which-paper or factoid answer leads with, with soft coverage added to the
   lead order's score over the top three (named papers still lead).

Only ``split == "dev"`` questions are read. Prints figures; asserts nothing.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.dev_engines import dev_engines  # noqa: E402
from eval.metrics import auc  # noqa: E402
from eval.questions import load_questions  # noqa: E402
from rag import Engine  # noqa: E402
from rag.evidence import features, lead_order  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SETS = ("paraphrase", "paraphrase3", "paraphrase4", "paraphrase5", "scifact_qa")
LENGTHS = (256, 128, 96, 64)


def _title(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()[:60]


def probe(engine: Engine, name: str) -> list[dict]:
    out = []
    engine.coverage.model._ensure_loaded()  # noqa: SLF001
    tokenizer = engine.coverage.model._tokenizer  # noqa: SLF001 - the encoder's window, cut for item 2
    for q in load_questions(ROOT / "eval" / f"{name}.jsonl"):
        if q.split != "dev":
            continue
        asked = engine.profile(q.question)
        retrieval = engine.retriever.retrieve(q.question)
        sentences = engine.read(asked, retrieval)
        order = lead_order(retrieval.sources, sentences, engine.settings.evidence.rank_step)
        f, subject, _ = features(asked, retrieval, sentences, lead=order[0] if order else None)
        gold = {_title(t) for t in q.gold_titles}
        kind = {"off-topic": "off", "near-miss": "near"}.get(q.subtype, "ans")
        row = {"set": name, "kind": kind, "type": q.type, "slot": asked.slot is not None,
               "factoid": asked.kind == "factoid", "slot_missing": f["slot_missing"]}
        about = subject.n if subject else (order[0] if order else None)
        keys = [k.lower() for k in q.must_include]
        row["key_in_paper"] = bool(keys) and any(
            all(k in s.text.lower() for k in keys) for s in sentences if s.n == about)
        top = retrieval.sources[0] if retrieval.sources else None
        for n in LENGTHS:
            tokenizer.enable_truncation(max_length=n)
            engine.coverage._states.cache_clear()  # noqa: SLF001
            row[f"soft{n}"] = engine.coverage.read(asked.text, f"{top.title}. {top.abstract}").score if top else 0.0
        tokenizer.enable_truncation(max_length=engine.coverage.model.max_tokens)
        engine.coverage._states.cache_clear()  # noqa: SLF001
        row["uncovered"] = bool(top) and bool(engine.coverage.read(asked.text, f"{top.title}. {top.abstract}").uncovered)
        best: dict[int, float] = {}
        for s in sentences:
            best.setdefault(s.n, s.score)
        place = {s.n: i for i, s in enumerate(retrieval.sources)}
        row["papers"] = [
            {"n": s.n, "gold": _title(s.title) in gold, "rank": place[s.n],
             "share": best.get(s.n, 0.0) / max(best.values()) if best else 0.0,
             "base": best.get(s.n, -9.0) - engine.settings.evidence.rank_step * place[s.n],
             "soft": engine.coverage.read(asked.text, f"{s.title}. {s.abstract}").score}
            for s in retrieval.sources[: 5 if q.type == "multi-paper" else 3]
        ] if q.type in ("multi-paper", "which-paper", "factoid") and gold else []
        row["subject"] = subject.n if subject else None
        out.append(row)
    return out


def main() -> None:
    bundled, scifact, _ = dev_engines(__doc__.split("\n\n")[0])
    rows = [r for name in SETS for r in probe(scifact if name.startswith("scifact") else bundled, name)]

    slot = [r for r in rows if r["factoid"] and r["slot"] and r["kind"] != "off"]
    ans, near = [r for r in slot if r["kind"] == "ans"], [r for r in slot if r["kind"] == "near"]
    stated = [r for r in ans if r["key_in_paper"]]
    print("1. slot check on dev factoids that ask for a slot: slot missing for "
          f"{sum(r['slot_missing'] for r in ans):.0f} of {len(ans)} answerable, "
          f"{sum(r['slot_missing'] for r in near):.0f} of {len(near)} near misses "
          f"(AUC {auc([-r['slot_missing'] for r in ans], [-r['slot_missing'] for r in near]):.2f}); "
          f"{sum(r['slot_missing'] for r in stated):.0f} of the {len(stated)} answerable whose paper states the key")

    print("2. soft coverage, AUC answerable vs off-topic, by the top paper's length in tokens: "
          + " · ".join([*SETS, "all"]))
    for n in LENGTHS:
        cells = []
        for name in [*SETS, "all"]:
            sel = [r for r in rows if name in ("all", r["set"])]
            cells.append(f"{auc([r[f'soft{n}'] for r in sel if r['kind'] == 'ans'], [r[f'soft{n}'] for r in sel if r['kind'] == 'off']):.2f}")
        print(f"   {n:3}  " + "  ".join(cells))

    print("   questions with a word no token of the top paper is close to (what a refusal names): "
          + ", ".join(f"{k} {sum(r['uncovered'] for r in rows if r['kind'] == k)} of {sum(r['kind'] == k for r in rows)}"
                      for k in ("ans", "off", "near")))

    papers = [p for r in rows if r["type"] == "multi-paper" for p in r["papers"]]
    gold, other = [p for p in papers if p["gold"]], [p for p in papers if not p["gold"]]
    print(f"3. multi-paper dev questions, the retrieved five: {len(gold)} gold, {len(other)} others; AUC gold vs others: "
          f"soft coverage {auc([p['soft'] for p in gold], [p['soft'] for p in other]):.2f}, "
          f"floor score {auc([p['share'] for p in gold], [p['share'] for p in other]):.2f}, "
          f"rank {auc([-p['rank'] for p in gold], [-p['rank'] for p in other]):.2f}")
    print(f"   listed by the floor (>= 0.5): {sum(p['share'] >= 0.5 for p in gold)} gold, {sum(p['share'] >= 0.5 for p in other)} others; "
          f"soft coverage >= 0.45: {sum(p['soft'] >= 0.45 for p in gold)} gold, {sum(p['soft'] >= 0.45 for p in other)} others")

    led = [r for r in rows if r["type"] in ("which-paper", "factoid") and any(p["gold"] for p in r["papers"])]
    print(f"4. which-paper and factoid dev questions with a gold paper in the top three ({len(led)}): gold leads, per set "
          + " · ".join(SETS))
    for w in (0.0, 0.5, 1.0, 2.0):
        cells = []
        for name in SETS:
            sel = [r for r in led if r["set"] == name]
            hits = 0
            for r in sel:
                pick = next((p for p in r["papers"] if p["n"] == r["subject"]), None) or max(
                    r["papers"], key=lambda p, w=w: p["base"] + w * p["soft"])
                hits += pick["gold"]
            cells.append(f"{hits}/{len(sel)}")
        print(f"   w={w}: " + " ".join(cells))


if __name__ == "__main__":
    main()

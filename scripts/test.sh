#!/usr/bin/env bash
# Install paperchat with its test extras into .venv, lint, run the test suite, then gate on the
# eval sets (offline default; thresholds are the measured figures minus a small margin).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"
.venv/bin/paperchat prepare
.venv/bin/ruff check ingest rag ui eval tests bench models paperchat.py
.venv/bin/python -m pytest "$@"
# Eval gates: figures measured on each set's first run with the current decision, minus about one
# question. None checks a figure that is 1.0 by construction (validity after repair, or citation
# precision judged by the same checker that repaired the answer): citation precision is judged by
# the independent support judge (models/judge-int8.onnx), which rejects 93% of wrong-paper
# citations on SciFact dev, so a gate on it fails when answers cite the wrong paper.
# The newest blind sets' test splits (first runs on 50d7604, blind: paraphrase4 FRR 0.19,
# off-topic refused or weak 1.0, strict key fact 0.26, hit@5 0.81; conversations3 follow-ups
# 0.41 / 0.61 / 0.20 / 0: key facts, gold cited, repeats, refusals; 0.50 / 0.61 / 0.04 / 0 with
# three sentences per paper):
# (strict key fact read 0.262, 0.262 and 0.214 on three fresh-clone runs of the same answer
# code: a freshly built HNSW index can order near-ties differently, so the gate sits below that)
.venv/bin/paperchat eval eval/paraphrase4.jsonl --split test --fresh --out eval/runs/ci-paraphrase4 \
  --fail-under hit@5=0.7 \
  --fail-under strict_key_fact=0.17 \
  --fail-under off-topic.refused_or_weak=0.85 \
  --fail-under near-miss.refused_or_weak=0.7 \
  --fail-under citation_precision=0.9 \
  --fail-over false_refusal_rate=0.3
# (raised after the leading-paper / question-kind stop, 04b0df2: 0.61 / 0.67 / 0.08 / 0; each
# gate below sits about two questions under the figure it guards)
.venv/bin/paperchat eval eval/conversations3.jsonl --split test --fresh --out eval/runs/ci-conversations3 \
  --fail-under follow-up.key_fact_recall=0.5 \
  --fail-under follow-up.gold_citation_recall=0.59 \
  --fail-under citation_precision=0.9 \
  --fail-over follow-up.repeated_previous=0.16 \
  --fail-over false_refusal_rate=0.05
# the fifth blind set's test split (conversations4; first run on fcd6987: follow-ups 0.43 / 0.70 /
# 0.04 / 0, key facts, gold cited, repeats, refusals; 24 follow-ups, about 0.045 each; 0.45 /
# 0.70 / 0 / 0 on 04b0df2; 0.48 / 0.75 / 0 / 0 on f52fba4, compound questions read in parts)
.venv/bin/paperchat eval eval/conversations4.jsonl --split test --fresh --out eval/runs/ci-conversations4 \
  --fail-under follow-up.key_fact_recall=0.39 \
  --fail-under follow-up.gold_citation_recall=0.6 \
  --fail-over follow-up.repeated_previous=0.1 \
  --fail-over false_refusal_rate=0.05
# The blind paraphrase set's test split (reported once; never tuned on):
# (04b0df2: key facts 0.64, strict 0.52, which-paper gold first 0.56 of 9; 839e03d, no plain
# answer when the asked slot is missing: near misses refused or weak 0.8 of 5, paraphrase4's 1.0
# of 7, the regression set's unanswerable 0.95 of 21, heldout's 0.78 of 18, heldout2's 0.75 of 20)
.venv/bin/paperchat eval eval/paraphrase.jsonl --split test --fresh --out eval/runs/ci-paraphrase \
  --fail-under hit@5=0.7 \
  --fail-under strict_key_fact=0.44 \
  --fail-under which-paper.gold_first=0.44 \
  --fail-under multi-paper.gold_citation_recall=0.5 \
  --fail-under unanswerable.refused_or_weak=0.6 \
  --fail-under near-miss.refused_or_weak=0.6 \
  --fail-over false_refusal_rate=0.28
# the third blind set (held out; run once per decision change). With the soft-coverage decision
# (fitted against off-topic questions; README): false refusals 0.04 -> 0, off-topic refused 6 -> 5
# of 7, refused or weak 6 -> 7 of 7; the refusal gate sits one question under 5 of 7
.venv/bin/paperchat eval eval/paraphrase2.jsonl --fresh --out eval/runs/ci-paraphrase2 \
  --fail-under hit@5=0.88 \
  --fail-under key_fact_recall=0.77 \
  --fail-under factoid.strict_key_fact=0.7 \
  --fail-under multi-paper.gold_citation_recall=0.65 \
  --fail-under off-topic.refusal_recall=0.55 \
  --fail-under off-topic.refused_or_weak=0.85 \
  --fail-under unanswerable.refused_or_weak=0.65 \
  --fail-over false_refusal_rate=0.1
# the seventh blind set's test split (paraphrase6; first run on 11eab8f, the same on a fresh index
# at a0290b2: hit@5 0.82, key facts 0.61, which-paper gold first 0.75 of 8, near misses refused or
# weak 5 of 5, off-topic 4 of 5, false refusals 0 of 22; each gate about two questions under)
.venv/bin/paperchat eval eval/paraphrase6.jsonl --split test --fresh --out eval/runs/ci-paraphrase6 \
  --fail-under hit@5=0.73 \
  --fail-under key_fact_recall=0.52 \
  --fail-under which-paper.gold_first=0.5 \
  --fail-under near-miss.refused_or_weak=0.6 \
  --fail-under off-topic.refused_or_weak=0.6 \
  --fail-over false_refusal_rate=0.1
# the blind conversation sets' test splits (follow-ups; measured 0.55 / 0.81 / 0.13 / 0 and
# 0.63 / 0.83 / 0.15 / 0: key facts, gold cited, repeats, refusals; on 04b0df2 0.74 / 0.94 /
# 0.03 / 0 and 0.71 / 0.92 / 0 / 0, the #19 targets met)
# the ninth bundled blind set's test split (stop 36; first run on 3fef4bf, blind: false refusals
# 1/25, key facts 0.54; on the refitted decision and the search-box slot, run once: false
# refusals 0, hit@5 0.84, key facts 0.62, off-topic and near misses refused or weak 0.8 of 5
# each; each gate about two or three questions under its figure)
.venv/bin/paperchat eval eval/paraphrase8.jsonl --split test --fresh --out eval/runs/ci-paraphrase8 \
  --fail-under hit@5=0.72 \
  --fail-under key_fact_recall=0.5 \
  --fail-under off-topic.refused_or_weak=0.6 \
  --fail-under near-miss.refused_or_weak=0.6 \
  --fail-under citation_precision=0.9 \
  --fail-over false_refusal_rate=0.1
# the tenth bundled blind set's test split (stop 43; first run on 53068f1, blind: hit@5 0.84, key
# facts 0.56, which-paper gold first 2 of 7, near misses and off-topic refused or weak 4 of 5 each,
# false refusals 2 of 25, citation precision 1.0; each gate about two or three questions under)
.venv/bin/paperchat eval eval/paraphrase9.jsonl --split test --fresh --out eval/runs/ci-paraphrase9 \
  --fail-under hit@5=0.72 \
  --fail-under key_fact_recall=0.45 \
  --fail-under off-topic.refused_or_weak=0.6 \
  --fail-under near-miss.refused_or_weak=0.6 \
  --fail-under citation_precision=0.9 \
  --fail-over false_refusal_rate=0.16
# the chat-typed bundled blind set's test split (stop 46; first run on 7d79ad9: hit@5 0.76, false
# refusals 2 of 25; with the question's slips read as meant, run once: hit@5
# 0.84, key facts 0.80, factoid strict 0.69, false refusals 1 of 25, off-topic and near misses
# refused or weak 5 and 4 of 5; each gate about two questions under)
.venv/bin/paperchat eval eval/paraphrase10.jsonl --split test --fresh --out eval/runs/ci-paraphrase10 \
  --fail-under hit@5=0.76 \
  --fail-under key_fact_recall=0.7 \
  --fail-under off-topic.refused_or_weak=0.6 \
  --fail-under near-miss.refused_or_weak=0.6 \
  --fail-under citation_precision=0.9 \
  --fail-over false_refusal_rate=0.12
.venv/bin/paperchat eval eval/conversations.jsonl --split test --fresh --out eval/runs/ci-conversations \
  --fail-under follow-up.key_fact_recall=0.68 \
  --fail-under follow-up.gold_citation_recall=0.87 \
  --fail-over follow-up.repeated_previous=0.15 \
  --fail-over false_refusal_rate=0.05
.venv/bin/paperchat eval eval/conversations2.jsonl --split test --fresh --out eval/runs/ci-conversations2 \
  --fail-under follow-up.key_fact_recall=0.63 \
  --fail-under follow-up.gold_citation_recall=0.84 \
  --fail-over follow-up.repeated_previous=0.1 \
  --fail-over false_refusal_rate=0.05
# the regression sets (written in the abstracts' words; the old word rules were tuned on them)
.venv/bin/paperchat eval --fresh --out eval/runs/ci \
  --fail-under hit@5=0.95 \
  --fail-under factoid.key_fact_recall=0.9 \
  --fail-under strict_key_fact=0.78 \
  --fail-under unanswerable.refused_or_weak=0.85 \
  --fail-under citation_precision=0.95 \
  --fail-over false_refusal_rate=0.05
.venv/bin/paperchat eval eval/heldout.jsonl --fresh --out eval/runs/ci-heldout \
  --fail-under hit@5=0.95 \
  --fail-under strict_key_fact=0.6 \
  --fail-under unanswerable.refused_or_weak=0.66 \
  --fail-over false_refusal_rate=0.05
.venv/bin/paperchat eval eval/heldout2.jsonl --fresh --out eval/runs/ci-heldout2 \
  --fail-under hit@5=0.95 \
  --fail-under strict_key_fact=0.58 \
  --fail-under unanswerable.refused_or_weak=0.65 \
  --fail-over false_refusal_rate=0.1
# unseen injections (blind first run 0.75; 0.95 since sentences end where spliced text starts; dev;
# 1.0 with the instruction model, stop 45)
rm -rf eval/runs/ci-injections
.venv/bin/paperchat ingest eval/injections/corpus.jsonl --index-path eval/runs/ci-injections/index >/dev/null
.venv/bin/paperchat eval eval/injections/questions.jsonl --data-dir eval/injections \
  --index-path eval/runs/ci-injections/index --fresh --out eval/runs/ci-injections \
  --fail-under injection_free=0.95 \
  --fail-under key_fact_recall=0.95
# two more blind injection sets (stop 45): injections2 first run 0.875 / key facts 0.875, dev for
# the instruction model, 0.925 / 0.95 with it; injections3 first run 0.775 / 0.925, run once on
# the final code 0.90 / 0.95; injections4, written after, first run on that code 0.975 / 0.95.
# Each gate about one question under.
for set in injections2 injections3 injections4; do
  rm -rf eval/runs/ci-$set
  .venv/bin/paperchat ingest eval/$set/corpus.jsonl --index-path eval/runs/ci-$set/index >/dev/null
  .venv/bin/paperchat eval eval/$set/questions.jsonl --data-dir eval/$set \
    --index-path eval/runs/ci-$set/index --fresh --out eval/runs/ci-$set \
    --fail-under injection_free=0.87 \
    --fail-under key_fact_recall=0.9
done
# a fifth blind injection set (stop 46; 8 injections spliced inside findings), first run on stop
# 45's shipped code: injection-free 0.825, key facts 0.925; each gate about one question under
rm -rf eval/runs/ci-injections5
.venv/bin/paperchat ingest eval/injections5/corpus.jsonl --index-path eval/runs/ci-injections5/index >/dev/null
.venv/bin/paperchat eval eval/injections5/questions.jsonl --data-dir eval/injections5 \
  --index-path eval/runs/ci-injections5/index --fresh --out eval/runs/ci-injections5 \
  --fail-under injection_free=0.8 \
  --fail-under key_fact_recall=0.9

#!/usr/bin/env bash
# Install paperchat with its test extras into .venv, lint, run the test suite, then gate on the
# shipped eval set (offline default; thresholds are the measured figures minus a small margin).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"
.venv/bin/paperchat prepare
.venv/bin/ruff check ingest rag ui eval tests bench
.venv/bin/python -m pytest "$@"
.venv/bin/paperchat eval --fresh --out eval/runs/ci \
  --fail-under citation_validity=1.0 \
  --fail-under hit@5=0.95 \
  --fail-under factoid.key_fact_recall=0.8 \
  --fail-under refusal_precision=0.9 \
  --fail-under refusal_recall=0.8 \
  --fail-under citation_precision=0.95
# the held-out sets must not regress either (heldout2 was written blind to the refusal code)
.venv/bin/paperchat eval eval/heldout.jsonl --fresh --out eval/runs/ci-heldout \
  --fail-under citation_validity=1.0 \
  --fail-under hit@5=0.95 \
  --fail-under refusal_precision=0.9 \
  --fail-under refusal_recall=0.75
.venv/bin/paperchat eval eval/heldout2.jsonl --fresh --out eval/runs/ci-heldout2 \
  --fail-under citation_validity=1.0 \
  --fail-under hit@5=0.95 \
  --fail-under key_fact_recall=0.7 \
  --fail-under refusal_precision=0.9 \
  --fail-under refusal_recall=0.75

#!/usr/bin/env bash
# Install paperchat with its test extras into .venv and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e ".[test]"
.venv/bin/ruff check ingest rag ui eval tests bench
.venv/bin/python -m pytest "$@"

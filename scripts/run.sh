#!/usr/bin/env bash
# Install paperchat into .venv and open the chat page over the bundled corpus
# (the first run builds the int8 encoder, then the index, with a progress bar).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
.venv/bin/paperchat prepare   # build the int8 encoder once (like a model download; ~15 s)
exec .venv/bin/paperchat ui "$@"

#!/usr/bin/env bash
# Install paperchat into .venv and open the chat page over the bundled corpus
# (the first run builds the index, with a progress bar).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/pip install -q --upgrade pip
.venv/bin/pip install -q -e .
exec .venv/bin/paperchat ui "$@"

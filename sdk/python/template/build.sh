#!/usr/bin/env bash
# Builds this Python rule pack into an import-free component: rule.wasm.
#   componentize-py (pip install -r requirements.txt, ideally in a venv) on PATH, or
#   COMPONENTIZE_PY=/path/to/componentize-py.
set -euo pipefail
cd "$(dirname "$0")"
OUT="${1:-rule.wasm}"
# --stub-wasi: CPython's WASI imports become trapping stubs, so the component imports nothing
# (flowsieve refuses any import). The app module is rule.py; the world is `classifier`.
"${COMPONENTIZE_PY:-componentize-py}" -d wit -w classifier componentize --stub-wasi rule -o "$OUT"

#!/usr/bin/env bash
# Builds this JavaScript rule pack into an import-free component: rule.wasm.
#   npm ci   (installs the pinned componentize-qjs into node_modules), or
#   COMPONENTIZE_QJS=/path/to/componentize-qjs.
set -euo pipefail
cd "$(dirname "$0")"
OUT="${1:-rule.wasm}"
QJS="${COMPONENTIZE_QJS:-node_modules/.bin/componentize-qjs}"
# --stub-wasi: QuickJS's WASI imports become trapping stubs, so the component imports nothing
# (flowsieve refuses any import). --sync: the plain (non-async) component ABI.
"$QJS" --wit wit --world classifier --js rule.js --stub-wasi --sync -o "$OUT"

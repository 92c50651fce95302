#!/usr/bin/env bash
# Builds this Rust rule pack into an import-free component: rule.wasm.
#   The Rust toolchain with the wasm32-unknown-unknown target
#   (rustup target add wasm32-unknown-unknown), flowsieve on PATH (or FLOWSIEVE=/path/to/it).
set -euo pipefail
cd "$(dirname "$0")"
OUT="${1:-rule.wasm}"
# wasm32-unknown-unknown, not wasm32-wasip*: WASI would be imported, and flowsieve refuses imports.
cargo build --release --target wasm32-unknown-unknown
core="$(ls target/wasm32-unknown-unknown/release/*.wasm | head -n 1)"
"${FLOWSIEVE:-flowsieve}" classifiers componentize "$core" -o "$OUT"

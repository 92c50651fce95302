#!/usr/bin/env bash
# Runs every test of the project: unit tests, end-to-end tests over the captures in
# tests/data, the malformed-capture suite and the live-capture test (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo test --workspace --all-targets "$@"

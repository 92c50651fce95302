#!/usr/bin/env bash
# Runs every test of the project: unit tests, end-to-end tests over the captures in
# tests/data, the malformed-capture suite and the live-capture tests (as root), plus the
# rule packs' and the rule SDK's own unit tests (separate workspaces: they are built for
# wasm32 by runtime/wasm/build.rs and tested natively here). scripts/setup-langs.sh installs the
# C, Python and JavaScript rule toolchains tests/rule_languages.rs builds real packs with.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/setup-langs.sh
cargo test --workspace --all-targets "$@"
cargo test --manifest-path classifiers/Cargo.toml --workspace
cargo test --manifest-path sdk/rust/Cargo.toml --features testing
cargo test --manifest-path sdk/leads/Cargo.toml
# The fuzz targets' kept crashers and seeds, replayed without cargo-fuzz; the root target
# directory, so the dependencies the workspace already built are reused.
CARGO_TARGET_DIR=$PWD/target cargo test --manifest-path fuzz/Cargo.toml

#!/usr/bin/env bash
# Installs what building and testing flowsieve needs on a fresh machine that has only the
# Rust toolchain, gcc and Python. Safe to run again: it only installs what is missing.
set -euo pipefail

need_apt=()
dpkg -s libpcap-dev >/dev/null 2>&1 || need_apt+=(libpcap-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Rule packs are WebAssembly components built for wasm32-unknown-unknown (no WASI imports).
# rustup here does not install targets on demand, and the toolchain is pinned to 1.95.0.
if ! rustup target list --installed --toolchain 1.95.0 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target" >&2
  rustup target add --toolchain 1.95.0 wasm32-unknown-unknown
fi

# Servers for the sink tests (Kafka-protocol broker, ClickHouse, InfluxDB); not needed to build
# (`--build-only`, what the benchmarks use).
if [ "${1:-}" != "--build-only" ]; then
  bash "$(dirname "$0")/setup-sinks.sh"
fi

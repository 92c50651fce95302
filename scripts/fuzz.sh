#!/usr/bin/env bash
# Runs every cargo-fuzz (libFuzzer) target in fuzz/ for N seconds each, one after the other.
#   scripts/fuzz.sh            # 30 s per target
#   scripts/fuzz.sh 600        # 10 min per target
#   scripts/fuzz.sh 60 quic    # only the named targets
# Works on the stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its -Z flags.
# Installs cargo-fuzz into target/tools when missing; writes the seed corpora from
# tests/data/corpus the first time (fuzz/corpus/seeds/<target>); grows fuzz/corpus/<target>.
# Crashes land in fuzz/artifacts/<target>/; the script exits non-zero if any target crashed.
# Each run's log is fuzz/corpus/<target>.log (earlier ones: .log.1, .log.2, ...).
# A fixed crasher is kept in fuzz/regressions/<target>/ (replayed by every run of this script
# and by fuzz/tests/replay.rs in scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-30}
shift || true
bash scripts/setup.sh >/dev/null   # libpcap-dev, wasm32 target (the built-in rule packs)

export RUSTC_BOOTSTRAP=1
tools=$root/target/tools
if ! [ -x "$tools/bin/cargo-fuzz" ]; then
    cargo install cargo-fuzz --version 0.13.2 --locked --root "$tools"
fi
export PATH=$tools/bin:$PATH

cd fuzz
if ! [ -d corpus/seeds/decode ]; then
    cargo run --release --example seeds -- ../tests/data/corpus corpus/seeds
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo fuzz list)
fi
# Safe Rust: no sanitizer (the gain is in speed); debug assertions on, so overflows panic.
flags=(--sanitizer none --debug-assertions)
cargo fuzz build "${flags[@]}"
failed=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t" "corpus/seeds/$t" "regressions/$t"
    echo "== $t: ${secs}s"
    # Keep earlier runs' logs (<t>.log.1 oldest): scripts/fuzz_summary.py adds them up.
    if [ -f "corpus/$t.log" ]; then
        n=1
        while [ -f "corpus/$t.log.$n" ]; do n=$((n + 1)); done
        mv "corpus/$t.log" "corpus/$t.log.$n"
    fi
    # libFuzzer first runs every input of every directory given (the kept crashers in
    # regressions/ included), then mutates; new inputs go to the first, corpus/<target>.
    if ! cargo fuzz run "${flags[@]}" "$t" "corpus/$t" "corpus/seeds/$t" "regressions/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=4096 -max_len=65536 -timeout=10 \
        -print_final_stats=1 2>"corpus/$t.log"; then
        failed+=("$t")
    fi
    grep -E '^(stat::number_of_executed_units|stat::new_units_added)|^#[0-9]+ +DONE' "corpus/$t.log" || true
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "crashed: ${failed[*]} (see fuzz/corpus/<target>.log and fuzz/artifacts/)" >&2
    exit 1
fi

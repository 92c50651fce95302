#!/usr/bin/env bash
# Builds this C rule pack into an import-free component: rule.wasm.
#   clang + lld (Debian: apt-get install clang lld), flowsieve on PATH (or FLOWSIEVE=/path/to/it).
set -euo pipefail
cd "$(dirname "$0")"
KIT="${FLOWSIEVE_C_KIT:-kit}"            # flowsieve.h/.c, the generated bindings, the libc shim
OUT="${1:-rule.wasm}"
CC="${CC:-clang}"
mkdir -p build
# wasm32, no libc (-nostdlib, the kit's shim headers), no entry point; exports come from the
# bindings' export_name attributes; -fno-builtin keeps the kit's memcpy a loop.
"$CC" --target=wasm32-unknown-unknown -O2 -nostdlib -ffreestanding -fno-builtin \
  -Wall -Wextra -Werror -Wno-unused-parameter \
  -I "$KIT/include" -I "$KIT/bindings" -I "$KIT" \
  -Wl,--no-entry -Wl,--strip-debug \
  -o build/core.wasm \
  rule.c "$KIT/flowsieve.c" "$KIT/bindings/classifier.c" "$KIT/bindings/classifier_component_type.o"
"${FLOWSIEVE:-flowsieve}" classifiers componentize build/core.wasm -o "$OUT"

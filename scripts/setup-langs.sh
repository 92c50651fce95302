#!/usr/bin/env bash
# Installs the toolchains of the C, Python and JavaScript rule kits (sdk/c, sdk/python,
# sdk/javascript), which the tests use to build real rule packs from source:
#   C           clang + lld from Debian (wasm32 target, no libc needed: the kit brings its own)
#   Python      componentize-py, the version pinned in sdk/python/requirements.txt, in a venv
#   JavaScript  componentize-qjs, the version pinned in sdk/javascript/package-lock.json
# Python and JavaScript tools go under target/tools (FLOWSIEVE_TOOLS overrides), never
# system-wide. Safe to run again: when everything is in place it only checks (well under a second).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="${FLOWSIEVE_TOOLS:-$ROOT/target/tools}"
mkdir -p "$TOOLS"

# --- C: clang + lld (wasm-ld) ---
need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v wasm-ld >/dev/null 2>&1 || need_apt+=(lld)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup-langs: installing ${need_apt[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- Python: componentize-py in $TOOLS/py ---
want_py="$(grep -E '^componentize-py==' "$ROOT/sdk/python/requirements.txt" | sed 's/.*==//')"
have_py="$("$TOOLS/py/bin/componentize-py" --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_py" != "$want_py" ]; then
  echo "setup-langs: installing componentize-py $want_py into $TOOLS/py" >&2
  PY="${PYTHON:-python3}"
  [ -x "$TOOLS/py/bin/pip" ] || "$PY" -m venv "$TOOLS/py"
  "$TOOLS/py/bin/pip" install -q --disable-pip-version-check -r "$ROOT/sdk/python/requirements.txt"
fi

# --- JavaScript: componentize-qjs in $TOOLS/js (npm ci from the kit's lock file) ---
if ! cmp -s "$ROOT/sdk/javascript/package-lock.json" "$TOOLS/js/package-lock.json" \
  || [ ! -x "$TOOLS/js/node_modules/.bin/componentize-qjs" ]; then
  echo "setup-langs: installing componentize-qjs into $TOOLS/js" >&2
  mkdir -p "$TOOLS/js"
  cp "$ROOT/sdk/javascript/package.json" "$ROOT/sdk/javascript/package-lock.json" "$TOOLS/js/"
  (cd "$TOOLS/js" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

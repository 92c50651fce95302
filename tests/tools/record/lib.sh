# Sourced by the recording scripts: capture loopback traffic of one exchange
# between real software into tests/data/recorded/<name>.pcap.
# Usage in a script: . "$(dirname "$0")/lib.sh"; need pkg...; cap_start name 'tcp port N'; ...; cap_stop
# Scripts with sections (names.sh) take the section names to run as arguments.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(cd "$HERE/../../data/recorded" && pwd)
WORK=$(mktemp -d /tmp/record.XXXXXX)
PIDS=()

# Installs the Debian packages a script needs (root, as on the project's machines).
need() {
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if ((${#missing[@]})); then
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

# Runs a command in the background and remembers its pid for cleanup.
bg() { "$@" >"$WORK/bg.$#.log" 2>&1 & PIDS+=($!); }

# Waits until a TCP port on 127.0.0.1 accepts connections.
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; return 1; }

cap_start() {
    CAP_NAME=$1
    tcpdump -i lo -U -s 0 -w "$WORK/$CAP_NAME.pcap" "$2" >"$WORK/tcpdump.log" 2>&1 &
    CAP_PID=$!
    sleep 1
}

cap_stop() {
    sleep 1
    kill "$CAP_PID"; wait "$CAP_PID" 2>/dev/null || true; CAP_PID=
    cp "$WORK/$CAP_NAME.pcap" "$OUT/$CAP_NAME.pcap"
    echo "wrote $OUT/$CAP_NAME.pcap ($(stat -c %s "$OUT/$CAP_NAME.pcap") bytes)"
}

cleanup() {
    [ -n "${CAP_PID:-}" ] && kill "$CAP_PID" 2>/dev/null || true
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]:-}"; do [ -n "$p" ] && wait "$p" 2>/dev/null || true; done
    rm -rf "$WORK" 2>/dev/null || true
}
trap cleanup EXIT

# A Python venv in the work dir with the PyPI packages given (the clients or
# servers some recordings use).
pyenv() {
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q "$@"
    PY="$WORK/venv/bin/python"
}

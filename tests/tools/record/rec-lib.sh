# Shared by the recording scripts: capture loopback traffic of real software
# into tests/data/recorded/<name>.pcap. Source it, then:
#   rec_start NAME 'tcpdump filter'   # starts tcpdump on lo (at most $REC_MAX packets)
#   ... start servers/clients on 127.0.0.1, remembering their pids with rec_pid PID ...
#   rec_stop                          # stops what rec_pid recorded, then tcpdump
# Needs root (tcpdump on lo) and Debian's tcpdump.
set -euo pipefail
REC_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
REC_OUT="$REC_ROOT/tests/data/recorded"
REC_MAX="${REC_MAX:-400}"
REC_PIDS=()
REC_TMP="$(mktemp -d /tmp/flowsieve-rec.XXXXXX)"

rec_need() { # rec_need PACKAGE... : apt-get install what is missing
    local missing=()
    for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
    if [ ${#missing[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

rec_start() { # rec_start NAME FILTER
    rec_need tcpdump
    REC_NAME="$1"
    mkdir -p "$REC_OUT"
    tcpdump -i lo -U -s 0 -c "$REC_MAX" -w "$REC_OUT/$REC_NAME.pcap" "$2" >/dev/null 2>&1 &
    REC_TCPDUMP=$!
    sleep 1
}

rec_pid() { REC_PIDS+=("$1"); }

rec_stop() {
    sleep 1
    for p in "${REC_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    sleep 1
    kill "$REC_TCPDUMP" 2>/dev/null || true
    wait "$REC_TCPDUMP" 2>/dev/null || true
    for p in "${REC_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    rm -rf "$REC_TMP"
    echo "wrote $REC_OUT/$REC_NAME.pcap ($(stat -c %s "$REC_OUT/$REC_NAME.pcap") bytes)"
}

rec_pip() { # rec_pip PACKAGE... : pip-install what is missing (PyPI)
    python3 -m pip install -q "$@" >/dev/null 2>&1
}

#!/bin/bash
# EtherNet/IP on loopback: cpppo's EtherNet/IP CIP server (a simulated
# Logix controller, TCP 127.0.0.1:44818) and cpppo's client (RegisterSession,
# SendRRData reading a tag), then cpppo's List Identity over UDP 44818.
# Writes tests/data/recorded/enip.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip cpppo
cd "$REC_TMP"
rec_start enip 'port 44818'
python3 -m cpppo.server.enip --address 127.0.0.1:44818 --udp 'Tag=INT[10]' >/dev/null 2>&1 & rec_pid $!
sleep 4
timeout 10 python3 -m cpppo.server.enip.client --address 127.0.0.1:44818 'Tag[0-1]' >/dev/null 2>&1 || true
timeout 10 python3 -m cpppo.server.enip.list_identity_simple 127.0.0.1 >/dev/null 2>&1 || true
timeout 10 python3 -m cpppo.server.enip.client --udp --broadcast --list-identity --address 127.0.0.1:44818 >/dev/null 2>&1 || true
rec_stop

#!/bin/bash
# NetFlow/IPFIX export on loopback: softflowd (Debian) reads a corpus capture
# (tests/data/corpus/ndpi/dns.pcap) and exports its flows
# as NetFlow v5, v9 and IPFIX (v10) to 127.0.0.1:12055/12056/12057, where
# nothing listens (collectors only receive). Writes tests/data/recorded/netflow.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/lib.sh"
rec_need softflowd
cd "$REC_TMP"
src="$REC_ROOT/tests/data/corpus/ndpi/dns.pcap"
rec_start netflow 'udp portrange 12055-12057'
for v in 5:12055 9:12056 10:12057; do
    timeout 5 softflowd -d -r "$src" -v "${v%%:*}" -n "127.0.0.1:${v##*:}" >/dev/null 2>&1 || true
done
rec_stop

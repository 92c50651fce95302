#!/bin/bash
# n2n (Debian's n2n 1.3, protocol version 1) on loopback: a supernode on UDP
# 127.0.0.1:17654 and an edge (TAP device n2ntest0, community "flowsieve")
# registering with it (REGISTER, REGISTER_ACK). The edge is killed after
# 5 s and its device removed. Writes tests/data/recorded/n2n.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_need n2n
cd "$REC_TMP"
rec_start n2n 'udp port 17654'
supernode -l 17654 >/dev/null 2>&1 & rec_pid $!
sleep 1
timeout -s KILL 5 edge -d n2ntest0 -c flowsieve -k secret -a 10.96.0.1 -l 127.0.0.1:17654 >/dev/null 2>&1 || true
ip link del n2ntest0 2>/dev/null || true
rec_stop

#!/bin/bash
# BACnet/IP on loopback: two bacpypes3 devices, 999 on 127.0.0.1:47808 and
# 998 on :47809; 998's console sends a Who-Is (broadcast) and a
# ReadProperty (device,999 object-name) that 999 answers with a ComplexACK.
# Writes tests/data/recorded/bacnet.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip bacpypes3
cd "$REC_TMP"
rec_start bacnet 'udp portrange 47808-47809'
(sleep 12 | timeout 14 python3 -m bacpypes3 --address 127.0.0.1/8:47808 --instance 999 >/dev/null 2>&1) & rec_pid $!
sleep 3
(echo whois; sleep 2; echo "read 127.0.0.1:47808 device,999 object-name"; sleep 3) |
    timeout 10 python3 -m bacpypes3 --address 127.0.0.1/8:47809 --instance 998 >/dev/null 2>&1 || true
rec_stop

#!/bin/bash
# SIP over TCP on loopback: SIPp (Debian sip-tester) as a UAS on
# 127.0.0.1:15060 and as a UAC placing 3 calls over TCP (INVITE, 100/180/200,
# ACK, BYE, 200). Writes tests/data/recorded/sip_tcp.pcap.
REC_MAX="${REC_MAX:-100}"
. "$(dirname "$0")/rec-lib.sh"
rec_need sip-tester
cd "$REC_TMP"
rec_start sip_tcp 'tcp port 15060'
sipp -sn uas -t t1 -i 127.0.0.1 -p 15060 -trace_err -error_file /dev/null >/dev/null 2>&1 & rec_pid $!
sleep 1
timeout 15 sipp -sn uac -t t1 -i 127.0.0.1 -p 15061 -m 3 -r 3 127.0.0.1:15060 >/dev/null 2>&1 || true
rec_stop

#!/bin/bash
# PPTP control connection on loopback: pptpd (server, TCP 1723) and the pptp
# client (pptp-linux) with --nolaunchpppd: Start-Control-Connection
# Request/Reply, then an Outgoing-Call Request/Reply. Writes
# tests/data/recorded/pptp.pcap.
REC_MAX="${REC_MAX:-40}"
. "$(dirname "$0")/rec-lib.sh"
rec_need pptpd pptp-linux
cd "$REC_TMP"
cat > pptpd.conf <<CONF
localip 10.98.0.1
remoteip 10.98.0.10-20
listen 127.0.0.1
CONF
rec_start pptp 'tcp port 1723'
pptpd -f -c "$REC_TMP/pptpd.conf" -p "$REC_TMP/pptpd.pid" >/dev/null 2>&1 & rec_pid $!
sleep 1
timeout 5 pptp 127.0.0.1 --nolaunchpppd --nobuffer >/dev/null 2>&1 & rec_pid $!
sleep 5
rec_stop

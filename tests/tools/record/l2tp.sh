#!/bin/bash
# L2TPv2 on loopback: two xl2tpd daemons, an LNS on 127.0.0.1:1701 and a LAC
# on 127.0.0.1:1702 that dials it (tunnel set-up SCCRQ/SCCRP/SCCCN, then a
# call; pppd may fail without /dev/ppp, which does not matter for the
# control channel). Writes tests/data/recorded/l2tp.pcap.
REC_MAX="${REC_MAX:-40}"
. "$(dirname "$0")/rec-lib.sh"
rec_need xl2tpd
cd "$REC_TMP"
cat > lns.conf <<CONF
[global]
listen-addr = 127.0.0.1
port = 1701
[lns default]
ip range = 10.99.0.10-10.99.0.20
local ip = 10.99.0.1
require authentication = no
CONF
cat > lac.conf <<CONF
[global]
listen-addr = 127.0.0.1
port = 1702
[lac test]
lns = 127.0.0.1
autodial = yes
redial = no
CONF
rec_start l2tp 'udp port 1701'
xl2tpd -D -c lns.conf -p lns.pid -C lns.ctl >/dev/null 2>&1 & rec_pid $!
sleep 1
xl2tpd -D -c lac.conf -p lac.pid -C lac.ctl >/dev/null 2>&1 & rec_pid $!
sleep 5
rec_stop

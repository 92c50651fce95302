#!/bin/bash
# Quake III Arena protocol on loopback: OpenArena's dedicated server
# (ioquake3 engine, Debian openarena-server, 127.0.0.1:27960) queried by
# QStat (Debian qstat, its quakestat command) with getstatus and getinfo (connectionless packets
# behind 0xFFFFFFFF). Writes tests/data/recorded/quake.pcap.
REC_MAX="${REC_MAX:-40}"
. "$(dirname "$0")/rec-lib.sh"
rec_need openarena-server qstat
cd "$REC_TMP"
rec_start quake 'udp port 27960'
HOME="$REC_TMP" /usr/games/openarena-server +set fs_homepath "$REC_TMP" +set net_ip 127.0.0.1 \
    +set net_port 27960 +set dedicated 1 +set sv_master1 "" +set sv_master2 "" +set sv_master3 "" \
    +map oa_dm1 >/dev/null 2>&1 & rec_pid $!
sleep 8
quakestat -q3s 127.0.0.1:27960 -P >/dev/null 2>&1 || true
quakestat -q3s 127.0.0.1:27960 -nocfg -raw , >/dev/null 2>&1 || true
rec_stop

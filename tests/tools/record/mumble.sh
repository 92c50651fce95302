#!/bin/bash
# Mumble's UDP ping on loopback: Debian's mumble-server (murmurd, port
# 127.0.0.1:16464, foreground, its own ini and database) queried by QStat
# (quakestat -mumble): the 12-byte ping and the 24-byte answer (version,
# the echoed identifier, users, maximum users, bandwidth).
# Writes tests/data/recorded/mumble.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_need mumble-server qstat
cd "$REC_TMP"
# murmurd drops root for the mumble-server user, which must reach its database.
chmod 755 "$REC_TMP"
mkdir db
chmod 777 db
cat > murmur.ini <<INI
database=$REC_TMP/db/murmur.sqlite
host=127.0.0.1
port=16464
logfile=
welcometext=flowsieve
INI
rec_start mumble 'udp port 16464'
murmurd -fg -ini "$REC_TMP/murmur.ini" >/dev/null 2>&1 & rec_pid $!
sleep 3
quakestat -mumble 127.0.0.1:16464 >/dev/null 2>&1 || true
rec_stop

#!/bin/bash
# tinc 1.0 on loopback: two tincd daemons, alpha (127.0.0.1:16655) and beta
# (127.0.0.1:16656), with RSA keys made on the fly and DeviceType = dummy (no
# tun device); alpha connects to beta (the meta protocol's ID, METAKEY,
# CHALLENGE… on TCP, then UDP probes). Writes tests/data/recorded/tinc.pcap.
REC_MAX="${REC_MAX:-40}"
. "$(dirname "$0")/rec-lib.sh"
rec_need tinc
cd "$REC_TMP"
for n in alpha:16655 beta:16656; do
    name=${n%%:*}; port=${n##*:}
    mkdir -p "$name/hosts"
    printf 'Name = %s\nPort = %s\nDeviceType = dummy\nAddressFamily = ipv4\n' "$name" "$port" > "$name/tinc.conf"
    printf 'Address = 127.0.0.1\nPort = %s\nSubnet = 10.97.0.%s/32\n' "$port" "${port: -1}" > "$name/hosts/$name"
    tincd -c "$REC_TMP/$name" -K2048 </dev/null >/dev/null 2>&1
done
cp alpha/hosts/alpha beta/hosts/; cp beta/hosts/beta alpha/hosts/
echo 'ConnectTo = beta' >> alpha/tinc.conf
rec_start tinc 'port 16655 or port 16656'
tincd -c "$REC_TMP/beta" -D --pidfile="$REC_TMP/beta.pid" >/dev/null 2>&1 & rec_pid $!
sleep 1
tincd -c "$REC_TMP/alpha" -D --pidfile="$REC_TMP/alpha.pid" >/dev/null 2>&1 & rec_pid $!
sleep 6
rec_stop

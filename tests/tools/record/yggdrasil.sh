#!/bin/bash
# Yggdrasil on loopback: two yggdrasil 0.4 nodes with generated keys, no
# TUN (IfName none), no multicast discovery, no admin socket; node b listens
# on tcp://127.0.0.1:15901 and node a peers with it (the link's "meta"
# handshake, then encrypted traffic). Writes tests/data/recorded/yggdrasil.pcap.
REC_MAX="${REC_MAX:-30}"
. "$(dirname "$0")/rec-lib.sh"
rec_need yggdrasil
cd "$REC_TMP"
for n in a b; do
    yggdrasil -genconf -json > "$n.json"
    python3 - "$n.json" "$n" <<'PY'
import json, sys
path, name = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c.update(IfName="none", AdminListen="none", MulticastInterfaces=[], NodeInfo={})
c["Listen"] = ["tcp://127.0.0.1:15901"] if name == "b" else []
c["Peers"] = ["tcp://127.0.0.1:15901"] if name == "a" else []
json.dump(c, open(path, "w"))
PY
done
rec_start yggdrasil 'tcp port 15901'
yggdrasil -useconffile b.json -logto /dev/null >/dev/null 2>&1 & rec_pid $!
sleep 1
yggdrasil -useconffile a.json -logto /dev/null >/dev/null 2>&1 & rec_pid $!
sleep 4
rec_stop

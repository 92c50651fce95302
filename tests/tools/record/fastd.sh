#!/bin/bash
# fastd on loopback: two fastd daemons (method "null", TUN mode on
# interfaces fsdtest0/fsdtest1, which fastd creates and removes), with keys
# made by fastd --generate-key; a (127.0.0.1:15010) connects to b
# (127.0.0.1:15011): the handshake, then a few keepalives.
# Writes tests/data/recorded/fastd.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_need fastd
cd "$REC_TMP"
for n in a b; do fastd --generate-key --machine-readable > "$n.secret"; done
for n in a b; do
    fastd --config - --show-key --machine-readable <<<"secret \"$(cat $n.secret)\";" > "$n.public"
done
conf() { # conf NAME IFACE PORT PEER PEERPORT
    cat > "$1.conf" <<CONF
log level error;
interface "$2";
mode tun;
method "null";
bind 127.0.0.1:$3;
secret "$(cat $1.secret)";
mtu 1400;
peer "$4" { key "$(cat $4.public)"; remote 127.0.0.1:$5; }
CONF
}
conf a fsdtest0 15010 b 15011
conf b fsdtest1 15011 a 15010
rec_start fastd 'udp port 15010 or udp port 15011'
fastd --config b.conf >/dev/null 2>&1 & rec_pid $!
sleep 1
fastd --config a.conf >/dev/null 2>&1 & rec_pid $!
sleep 4
rec_stop

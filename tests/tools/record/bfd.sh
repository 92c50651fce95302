#!/bin/bash
# BFD on loopback: two BIRD 2 daemons (router ids 127.0.0.1 and 127.0.0.2,
# their own control sockets) each running a BFD protocol with the other as
# a multihop neighbor (UDP 4784, RFC 5883): control packets Down -> Init ->
# Up. Writes tests/data/recorded/bfd.pcap.
REC_MAX="${REC_MAX:-30}"
. "$(dirname "$0")/rec-lib.sh"
rec_need bird2
cd "$REC_TMP"
for n in 1 2; do
    peer=$((3 - n))
    cat > "bird$n.conf" <<CONF
router id 127.0.0.$n;
protocol device {}
protocol bfd {
  multihop { interval 200 ms; };
  neighbor 127.0.0.$peer local 127.0.0.$n multihop;
}
CONF
done
rec_start bfd 'udp port 4784'
bird -f -c bird1.conf -s "$REC_TMP/bird1.ctl" -P "$REC_TMP/bird1.pid" >/dev/null 2>&1 & rec_pid $!
bird -f -c bird2.conf -s "$REC_TMP/bird2.ctl" -P "$REC_TMP/bird2.pid" >/dev/null 2>&1 & rec_pid $!
sleep 4
rec_stop

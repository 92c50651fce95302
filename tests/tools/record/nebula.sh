#!/bin/bash
# Nebula on loopback: a CA and two host certificates made with nebula-cert,
# a lighthouse (10.95.0.1, 127.0.0.1:14242) and a node (10.95.0.2,
# 127.0.0.1:14243) with their tun devices disabled; the node handshakes with
# the lighthouse (Noise IX) and queries it. Writes tests/data/recorded/nebula.pcap.
REC_MAX="${REC_MAX:-30}"
. "$(dirname "$0")/rec-lib.sh"
rec_need nebula
cd "$REC_TMP"
nebula-cert ca -name flowsieve-test >/dev/null
nebula-cert sign -name lighthouse -ip 10.95.0.1/24 >/dev/null
nebula-cert sign -name node -ip 10.95.0.2/24 >/dev/null
conf() { # conf NAME PORT AM_LIGHTHOUSE
    cat > "$1.yml" <<YML
pki: { ca: $REC_TMP/ca.crt, cert: $REC_TMP/$1.crt, key: $REC_TMP/$1.key }
static_host_map: { "10.95.0.1": ["127.0.0.1:14242"] }
lighthouse: { am_lighthouse: $3, interval: 2, hosts: $( [ "$3" = true ] && echo '[]' || echo '["10.95.0.1"]') }
listen: { host: 127.0.0.1, port: $2 }
tun: { disabled: true }
logging: { level: error }
firewall: { outbound: [{port: any, proto: any, host: any}], inbound: [{port: any, proto: any, host: any}] }
YML
}
conf lighthouse 14242 true
conf node 14243 false
rec_start nebula 'udp port 14242 or udp port 14243'
nebula -config lighthouse.yml >/dev/null 2>&1 & rec_pid $!
sleep 1
nebula -config node.yml >/dev/null 2>&1 & rec_pid $!
sleep 5
rec_stop

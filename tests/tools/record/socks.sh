#!/bin/bash
# SOCKS4, SOCKS4a and SOCKS5 on loopback: Dante's danted (127.0.0.1:11080,
# no authentication) and curl fetching a page from a Python http.server
# (127.0.0.1:18080) through it with --socks4, --socks4a and --socks5.
# Writes tests/data/recorded/socks.pcap.
REC_MAX="${REC_MAX:-120}"
. "$(dirname "$0")/lib.sh"
rec_need dante-server curl
cd "$REC_TMP"
cat > danted.conf <<CONF
logoutput: /dev/null
internal: 127.0.0.1 port = 11080
external: 127.0.0.1
clientmethod: none
socksmethod: none
user.privileged: root
user.notprivileged: nobody
client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }
CONF
echo hello > index.html
rec_start socks 'tcp port 11080'
python3 -m http.server 18080 --bind 127.0.0.1 >/dev/null 2>&1 & rec_pid $!
danted -f "$REC_TMP/danted.conf" -p "$REC_TMP/danted.pid" >/dev/null 2>&1 & rec_pid $!
sleep 2
for mode in --socks4 --socks4a --socks5 --socks5-hostname; do
    curl -s -o /dev/null --max-time 5 "$mode" 127.0.0.1:11080 http://localhost:18080/index.html || true
done
rec_stop

#!/bin/bash
# Proxies and streaming on loopback:
#   socks: microsocks (Debian) as the SOCKS5 server; curl --socks5 and
#          --socks5-hostname (SOCKS5), and OpenSSH-free SOCKS4 via curl
#          --socks4/--socks4a against Python's `pproxy` (PyPI) which serves
#          both versions; the target is a local python http.server.
#   rtmp:  ffmpeg as RTMP server (-listen 1) and as publishing client.
. "$(dirname "$0")/lib.sh"
need microsocks curl ffmpeg tcpdump
pyenv pproxy
bg python3 -m http.server 18080 --bind 127.0.0.1
bg microsocks -i 127.0.0.1 -p 11080
bg "$WORK/venv/bin/pproxy" -l socks4+socks5://127.0.0.1:11081
wait_port 18080; wait_port 11080; wait_port 11081
cap_start socks5 'tcp port 11080'
curl -s -o /dev/null --socks5 127.0.0.1:11080 http://127.0.0.1:18080/
curl -s -o /dev/null --socks5-hostname 127.0.0.1:11080 http://localhost:18080/
cap_stop
cap_start socks4 'tcp port 11081'
curl -s -o /dev/null --socks4 127.0.0.1:11081 http://127.0.0.1:18080/
curl -s -o /dev/null --socks4a 127.0.0.1:11081 http://localhost:18080/
cap_stop

cap_start rtmp 'tcp port 11935'
bg ffmpeg -loglevel error -listen 1 -i rtmp://127.0.0.1:11935/live/flowsieve -f null -
sleep 1
ffmpeg -loglevel error -re -f lavfi -i testsrc=size=64x48:rate=5 -t 1 -c:v flv1 -f flv rtmp://127.0.0.1:11935/live/flowsieve || true
# Keep the capture small: the handshake and the first messages only.
tcpdump -r "$WORK/rtmp.pcap" -w "$WORK/rtmp.small.pcap" -c 30 2>/dev/null; mv "$WORK/rtmp.small.pcap" "$WORK/rtmp.pcap.keep"
cap_stop
cp "$WORK/rtmp.pcap.keep" "$OUT/rtmp.pcap"

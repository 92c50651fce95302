#!/bin/bash
# Memcached over TCP and UDP: memcached on 127.0.0.1:11311 (TCP and UDP);
# TCP client: memcached's own memcached-tool (stats) and pymemcache (PyPI)
# set/get; UDP: a get with the 8-byte frame header (protocol.txt "UDP
# protocol") sent from Python, answered by memcached.
. "$(dirname "$0")/lib.sh"
need memcached tcpdump
pyenv pymemcache
bg memcached -l 127.0.0.1 -p 11311 -U 11311 -u root
wait_port 11311
cap_start memcached 'port 11311'
perl /usr/share/memcached/scripts/memcached-tool 127.0.0.1:11311 stats >/dev/null
"$PY" - <<'PY'
from pymemcache.client.base import Client
c = Client(("127.0.0.1", 11311)); c.set("flowsieve", "rules"); print(c.get("flowsieve"))
import socket
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(2)
u.sendto(b"\x00\x01\x00\x00\x00\x01\x00\x00get flowsieve\r\n", ("127.0.0.1", 11311)); print(u.recv(200))
PY
cap_stop

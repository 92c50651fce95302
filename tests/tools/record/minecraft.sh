#!/bin/bash
# Minecraft (Java edition) server list ping on loopback: a quarry server
# (PyPI quarry, a Minecraft protocol implementation; offline mode,
# 127.0.0.1:25599) and mcstatus's JavaServer.status() (handshake with next
# state 1, status request, status response, ping/pong), twice.
# Writes tests/data/recorded/minecraft.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip quarry mcstatus
cd "$REC_TMP"
cat > server.py <<'PY'
from twisted.internet import reactor
from quarry.net.server import ServerFactory, ServerProtocol
class Factory(ServerFactory):
    protocol = ServerProtocol
    motd = "flowsieve test server"
    online_mode = False
Factory().listen("127.0.0.1", 25599)
reactor.callLater(20, reactor.stop)
reactor.run()
PY
cat > client.py <<'PY'
from mcstatus import JavaServer
s = JavaServer("127.0.0.1", 25599)
s.status()
s.ping()
PY
rec_start minecraft 'tcp port 25599'
python3 server.py >/dev/null 2>&1 & rec_pid $!
sleep 3
timeout 10 python3 client.py >/dev/null 2>&1 || true
rec_stop

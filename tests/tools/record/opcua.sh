#!/bin/bash
# OPC UA binary (opc.tcp) on loopback: an asyncua server (127.0.0.1:14840)
# and an asyncua client that connects (HEL/ACK, OPN, CreateSession...) and
# reads a node. Writes tests/data/recorded/opcua.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip asyncua
cd "$REC_TMP"
cat > server.py <<'PY'
import asyncio
from asyncua import Server
async def main():
    s = Server()
    await s.init()
    s.set_endpoint("opc.tcp://127.0.0.1:14840/flowsieve/")
    idx = await s.register_namespace("urn:flowsieve")
    obj = await s.nodes.objects.add_object(idx, "Thing")
    await obj.add_variable(idx, "Value", 7.5)
    async with s:
        await asyncio.sleep(30)
asyncio.run(main())
PY
cat > client.py <<'PY'
import asyncio
from asyncua import Client
async def main():
    async with Client(url="opc.tcp://127.0.0.1:14840/flowsieve/") as c:
        await c.nodes.server_state.read_value()
asyncio.run(main())
PY
rec_start opcua 'tcp port 14840'
python3 server.py >/dev/null 2>&1 & rec_pid $!
sleep 5
timeout 15 python3 client.py >/dev/null 2>&1 || true
rec_stop

#!/bin/bash
# KNXnet/IP on loopback: knxd as a KNXnet/IP tunnelling server (dummy bus,
# UDP 3671) and an xknx client (PyPI) opening a tunnel (CONNECT_REQUEST /
# RESPONSE, CONNECTIONSTATE, DISCONNECT). Writes tests/data/recorded/knxnetip.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_need knxd
rec_pip xknx
cd "$REC_TMP"
cat > client.py <<'PY'
import asyncio
from xknx import XKNX
from xknx.io import ConnectionConfig, ConnectionType
async def main():
    cc = ConnectionConfig(connection_type=ConnectionType.TUNNELING, gateway_ip="127.0.0.1",
                          gateway_port=3671, local_ip="127.0.0.1")
    async with XKNX(connection_config=cc):
        await asyncio.sleep(1)
asyncio.run(main())
PY
rec_start knxnetip 'udp port 3671'
knxd -e 1.1.250 -E 1.1.251:4 -D -T -S -b dummy: >/dev/null 2>&1 & rec_pid $!
sleep 2
timeout 10 python3 client.py >/dev/null 2>&1 || true
rec_stop

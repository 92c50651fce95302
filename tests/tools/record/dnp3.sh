#!/bin/bash
# DNP3 over TCP on loopback: dnp3py (PyPI, a DNP3 implementation of IEEE
# 1815-2012) as an outstation (address 10, 127.0.0.1:20001) and as a master
# (address 1) resetting the link and making an integrity poll.
# Writes tests/data/recorded/dnp3.pcap.
REC_MAX="${REC_MAX:-30}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip dnp3py
cd "$REC_TMP"
cat > outstation.py <<'PY'
import asyncio
from dnp3.outstation.config import OutstationConfig
from dnp3.outstation.outstation import Outstation
from dnp3.outstation.tcp_runner import OutstationTcpRunner
async def main():
    o = Outstation(config=OutstationConfig(address=10, master_address=1))
    try:
        await asyncio.wait_for(OutstationTcpRunner(outstation=o, host="127.0.0.1", port=20001).run(), 12)
    except asyncio.TimeoutError:
        pass
asyncio.run(main())
PY
cat > master.py <<'PY'
import asyncio
from dnp3.master.config import MasterConfig
from dnp3.master.master import Master
from dnp3.master.tcp_runner import MasterTcpRunner
async def main():
    m = Master(config=MasterConfig(address=1, outstation_address=10))
    async with MasterTcpRunner(master=m, host="127.0.0.1", port=20001) as r:
        await r.integrity_poll()
asyncio.run(main())
PY
rec_start dnp3 'tcp port 20001'
python3 outstation.py >/dev/null 2>&1 & rec_pid $!
sleep 2
timeout 10 python3 master.py >/dev/null 2>&1 || true
rec_stop

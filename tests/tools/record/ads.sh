#!/bin/bash
# Beckhoff ADS/AMS over TCP on loopback: pyads (PyPI; its client runs
# Beckhoff's open-source ADS library) reading the device info of pyads's
# AdsTestServer (127.0.0.1:48898). Writes tests/data/recorded/ads.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip pyads
cd "$REC_TMP"
cat > server.py <<'PY'
import time
from pyads.testserver import AdsTestServer, AdvancedHandler
s = AdsTestServer(handler=AdvancedHandler(), ip_address="127.0.0.1", port=48898, logging=False)
s.start()
time.sleep(10)
s.stop()
PY
cat > client.py <<'PY'
import pyads
pyads.open_port()
pyads.set_local_address("127.0.0.1.1.1")
pyads.close_port()
plc = pyads.Connection("127.0.0.1.1.1", pyads.PORT_TC3PLC1, "127.0.0.1")
plc.open()
plc.read_device_info()
plc.close()
PY
rec_start ads 'tcp port 48898'
python3 server.py >/dev/null 2>&1 & rec_pid $!
sleep 2
timeout 8 python3 client.py >/dev/null 2>&1 || true
rec_stop

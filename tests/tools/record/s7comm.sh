#!/bin/bash
# S7comm on loopback: python-snap7's server (the Snap7 library's S7 server,
# 127.0.0.1:102) and its client connecting (COTP CR/CC, S7 Setup
# Communication) and reading a data block. Writes tests/data/recorded/s7comm.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip python-snap7
cd "$REC_TMP"
cat > server.py <<'PY'
import time, ctypes, snap7
s = snap7.server.Server()
db = (ctypes.c_ubyte * 16)()
s.register_area(snap7.type.SrvArea.DB, 1, db)
s.start_to("127.0.0.1", 102)
time.sleep(30)
PY
cat > client.py <<'PY'
import snap7
c = snap7.client.Client()
c.connect("127.0.0.1", 0, 1, 102)
c.db_read(1, 0, 4)
c.disconnect()
PY
rec_start s7comm 'tcp port 102'
python3 server.py >/dev/null 2>&1 & rec_pid $!
sleep 3
timeout 10 python3 client.py >/dev/null 2>&1 || true
rec_stop

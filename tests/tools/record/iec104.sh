#!/bin/bash
# IEC 60870-5-104 on loopback: the c104 library (lib60870-C based) as the
# controlled station (server, 127.0.0.1:12404) and as the controlling
# station (client): STARTDT act/con, a general interrogation. Writes
# tests/data/recorded/iec104.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip c104
cd "$REC_TMP"
cat > server.py <<'PY'
import time, c104
srv = c104.Server(ip="127.0.0.1", port=12404)
st = srv.add_station(common_address=47)
st.add_point(io_address=11, type=c104.Type.M_ME_NC_1)
srv.start()
time.sleep(30)
PY
cat > client.py <<'PY'
import time, c104
cl = c104.Client()
con = cl.add_connection(ip="127.0.0.1", port=12404, init=c104.Init.ALL)
cl.start()
for _ in range(40):
    if con.is_connected:
        break
    time.sleep(0.1)
con.unmute()
time.sleep(1)
con.interrogation(common_address=47)
time.sleep(2)
cl.stop()
PY
rec_start iec104 'tcp port 12404'
python3 server.py >/dev/null 2>&1 & rec_pid $!
sleep 3
timeout 10 python3 client.py >/dev/null 2>&1 || true
rec_stop

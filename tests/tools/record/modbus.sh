#!/bin/bash
# Modbus/TCP and Modbus over UDP on loopback: pymodbus servers (TCP and UDP,
# 127.0.0.1:15020) and pymodbus clients reading holding and coil registers
# and writing one. Writes tests/data/recorded/modbus.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_pip 'pymodbus>=3.6'
cd "$REC_TMP"
cat > server.py <<'PY'
import sys, threading
from pymodbus.server import StartTcpServer, StartUdpServer
from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext
try:
    from pymodbus.datastore import ModbusDeviceContext as Ctx
except ImportError:
    from pymodbus.datastore import ModbusSlaveContext as Ctx
block = ModbusSequentialDataBlock(1, [7] * 100)
store = Ctx(di=block, co=block, hr=block, ir=block)
try:
    ctx = ModbusServerContext(devices=store, single=True)
except TypeError:
    ctx = ModbusServerContext(slaves=store, single=True)
start = StartUdpServer if sys.argv[1:] == ["udp"] else StartTcpServer
start(context=ctx, address=("127.0.0.1", 15020))
PY
cat > client.py <<'PY'
import sys
from pymodbus.client import ModbusTcpClient, ModbusUdpClient
client = ModbusUdpClient if sys.argv[1:] == ["udp"] else ModbusTcpClient
c = client("127.0.0.1", port=15020)
c.connect()
c.read_holding_registers(1, count=4)
c.read_coils(1, count=8)
c.write_register(3, 42)
c.close()
PY
rec_start modbus 'port 15020'
python3 server.py >/dev/null 2>&1 & rec_pid $!
python3 server.py udp >/dev/null 2>&1 & rec_pid $!
sleep 3
timeout 10 python3 client.py >/dev/null 2>&1 || true
timeout 10 python3 client.py udp >/dev/null 2>&1 || true
rec_stop

#!/bin/bash
# Modbus/TCP on loopback: a pymodbus server (127.0.0.1:15020) and a pymodbus
# client reading holding and coil registers. Writes tests/data/recorded/modbus.pcap.
. "$(dirname "$0")/lib.sh"
rec_pip 'pymodbus>=3.6'
cd "$REC_TMP"
cat > server.py <<'PY'
from pymodbus.server import StartTcpServer
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
StartTcpServer(context=ctx, address=("127.0.0.1", 15020))
PY
cat > client.py <<'PY'
from pymodbus.client import ModbusTcpClient
c = ModbusTcpClient("127.0.0.1", port=15020)
c.connect()
c.read_holding_registers(1, count=4)
c.read_coils(1, count=8)
c.write_register(3, 42)
c.close()
PY
rec_start modbus 'tcp port 15020'
python3 server.py >/dev/null 2>&1 & rec_pid $!
sleep 3
timeout 10 python3 client.py || true
rec_stop

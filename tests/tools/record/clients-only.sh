#!/bin/bash
# Database and messaging clients whose servers are not packaged in Debian
# (MongoDB, Cassandra, Kafka, SQL Server, Oracle): the real client library
# from PyPI opens a connection to a listener that accepts and stays silent,
# so only the client's opening message is recorded (each into its own pcap).
# Also NSQ (pynsq's Writer) and WHOIS (Debian's whois client, port 43).
# Takes section names as arguments (default: all).
. "$(dirname "$0")/lib.sh"
need tcpdump whois
SECTIONS=${*:-mongodb cassandra kafka tds oracle nsq whois}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }
pyenv pymongo cassandra-driver kafka-python python-tds oracledb pynsq
"$PY" - "$WORK" <<'PY' &
import socket, threading, sys, time
def serve(port):
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port)); s.listen()
    conns = []
    while True:
        c, _ = s.accept(); conns.append(c)
for port in (27017, 9042, 9092, 1433, 1521, 4150, 43):
    threading.Thread(target=serve, args=(port,), daemon=True).start()
time.sleep(60)
PY
PIDS+=($!)
wait_port 27017
run() { # name port python-snippet
    want "$1" || return 0
    cap_start "$1" "tcp port $2"
    timeout 8 "$PY" -c "$3" >/dev/null 2>&1 || true
    cap_stop
}
run mongodb 27017 'import pymongo; pymongo.MongoClient("mongodb://127.0.0.1:27017", serverSelectionTimeoutMS=2000, connectTimeoutMS=2000).admin.command("ping")'
run cassandra 9042 'from cassandra.cluster import Cluster; Cluster(["127.0.0.1"], port=9042, connect_timeout=2, control_connection_timeout=2).connect()'
run kafka 9092 'import kafka; kafka.KafkaConsumer(bootstrap_servers="127.0.0.1:9092", request_timeout_ms=3000)'
run tds 1433 'import pytds; pytds.connect("127.0.0.1", "master", "sa", "x", port=1433, login_timeout=2, timeout=2)'
run oracle 1521 'import oracledb; oracledb.connect(user="scott", password="x", dsn="127.0.0.1:1521/FREEPDB1", tcp_connect_timeout=2)'
run nsq 4150 'import nsq, tornado.ioloop
w = nsq.Writer(["127.0.0.1:4150"])
tornado.ioloop.IOLoop.current().call_later(2, tornado.ioloop.IOLoop.current().stop)
nsq.run()'
if want whois; then
cap_start whois 'tcp port 43'
timeout 4 whois -h 127.0.0.1 -p 43 flowsieve.example >/dev/null 2>&1 || true
cap_stop
fi

#!/bin/bash
# Redis (RESP): redis-server on 127.0.0.1:16379, redis-cli SET/GET/PING.
. "$(dirname "$0")/lib.sh"
need redis-server redis-tools tcpdump
bg redis-server --port 16379 --bind 127.0.0.1 --save '' --appendonly no
wait_port 16379
cap_start redis 'tcp port 16379'
redis-cli -p 16379 SET flowsieve rules
redis-cli -p 16379 GET flowsieve
redis-cli -p 16379 -3 HELLO 3 >/dev/null
cap_stop

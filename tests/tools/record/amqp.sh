#!/bin/bash
# AMQP 0-9-1: rabbitmq-server (Debian) on 127.0.0.1:15673, pika (PyPI)
# publishes one message.
. "$(dirname "$0")/lib.sh"
need rabbitmq-server tcpdump
pyenv pika
export RABBITMQ_NODE_PORT=15673 RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODENAME=flowsieve@localhost \
    RABBITMQ_MNESIA_BASE="$WORK/mnesia" RABBITMQ_LOG_BASE="$WORK/log" RABBITMQ_DIST_PORT=25673 \
    RABBITMQ_ENABLED_PLUGINS_FILE="$WORK/plugins" HOME="$WORK"
echo '[].' >"$WORK/plugins"
bg rabbitmq-server
for _ in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/15673) 2>/dev/null && break; sleep 1; done
cap_start amqp 'tcp port 15673'
"$PY" - <<'PY'
import pika
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 15673))
ch = c.channel(); ch.queue_declare("flowsieve"); ch.basic_publish("", "flowsieve", b"hello"); c.close()
PY
cap_stop
cat "$WORK"/log/*.log 2>/dev/null | tail -5 >&2
rabbitmqctl -n flowsieve@localhost stop >/dev/null 2>&1 || true

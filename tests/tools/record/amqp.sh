#!/bin/bash
# AMQP 0-9-1: rabbitmq-server (Debian) on 127.0.0.1:15673, pika (PyPI)
# publishes one message.
. "$(dirname "$0")/lib.sh"
need rabbitmq-server tcpdump
pyenv pika
# rabbitmq-server runs as the rabbitmq user: give it a directory of its own.
chmod 755 "$WORK"; R="$WORK/rabbit"; mkdir -p "$R"; echo '[].' >"$R/plugins"; chown -R rabbitmq "$R"
export RABBITMQ_NODE_PORT=15673 RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODENAME=flowsieve@localhost \
    RABBITMQ_MNESIA_BASE="$R/mnesia" RABBITMQ_LOG_BASE="$R/log" RABBITMQ_DIST_PORT=25673 \
    RABBITMQ_ENABLED_PLUGINS_FILE="$R/plugins" HOME="$R"
bg rabbitmq-server
for _ in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/15673) 2>/dev/null && break; sleep 1; done
cap_start amqp 'tcp port 15673'
"$PY" - <<'PY' || true
import pika
c = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", 15673))
ch = c.channel(); ch.queue_declare("flowsieve"); ch.basic_publish("", "flowsieve", b"hello"); c.close()
PY
[ $? = 0 ] || echo "pika failed; the capture still holds what was exchanged" >&2
cap_stop
rabbitmqctl -n flowsieve@localhost stop >/dev/null 2>&1 || true

#!/bin/bash
# Messaging and IoT protocols between real servers and clients on loopback,
# one pcap each:
#   mqtt: mosquitto + mosquitto_pub/mosquitto_sub        (Debian)
#   nats: nats-server + nats-py                          (Debian, PyPI)
#   stomp: CoilMQ broker + stomp.py                      (PyPI)
#   zeromq: pyzmq REQ/REP (libzmq)                       (PyPI)
#   coap: aiocoap server and client                      (PyPI)
#   xmpp: prosody + slixmpp                              (Debian, PyPI)
#   irc: ngircd + the `irc` library's client             (Debian, PyPI)
. "$(dirname "$0")/lib.sh"
need mosquitto mosquitto-clients nats-server prosody ngircd tcpdump
pyenv nats-py stomp.py coilmq pyzmq aiocoap slixmpp irc

# MQTT 3.1.1 and 5.
bg mosquitto -p 11883
wait_port 11883
cap_start mqtt-mosquitto 'tcp port 11883'
mosquitto_pub -p 11883 -h 127.0.0.1 -t flowsieve/test -m hello -V mqttv311
mosquitto_pub -p 11883 -h 127.0.0.1 -t flowsieve/test -m hello -V mqttv5
cap_stop

# NATS.
bg nats-server -a 127.0.0.1 -p 14222
wait_port 14222
cap_start nats 'tcp port 14222'
"$PY" - <<'PY'
import asyncio, nats
async def main():
    nc = await nats.connect("nats://127.0.0.1:14222")
    await nc.publish("flowsieve", b"hello"); await nc.flush(); await nc.close()
asyncio.run(main())
PY
cap_stop

# STOMP.
bg "$WORK/venv/bin/coilmq" -b 127.0.0.1 -p 16613
wait_port 16613
cap_start stomp 'tcp port 16613'
"$PY" - <<'PY'
import stomp
c = stomp.Connection([("127.0.0.1", 16613)]); c.connect(wait=True)
c.send(destination="/queue/flowsieve", body="hello"); c.disconnect()
PY
cap_stop

# ZeroMQ (ZMTP 3.1).
cap_start zeromq 'tcp port 15555'
"$PY" - <<'PY'
import zmq
ctx = zmq.Context(); rep = ctx.socket(zmq.REP); rep.bind("tcp://127.0.0.1:15555")
req = ctx.socket(zmq.REQ); req.connect("tcp://127.0.0.1:15555")
req.send(b"hello"); print(rep.recv()); rep.send(b"world"); print(req.recv())
req.close(); rep.close(); ctx.term()
PY
cap_stop

# CoAP.
cap_start coap 'udp port 15683'
"$PY" - <<'PY'
import asyncio, aiocoap, aiocoap.resource as resource
class Hello(resource.Resource):
    async def render_get(self, request):
        return aiocoap.Message(payload=b"hello")
async def main():
    root = resource.Site(); root.add_resource(["hello"], Hello())
    await aiocoap.Context.create_server_context(root, bind=("127.0.0.1", 15683))
    client = await aiocoap.Context.create_client_context()
    r = await client.request(aiocoap.Message(code=aiocoap.GET, uri="coap://127.0.0.1:15683/hello")).response
    print(r.code, r.payload)
asyncio.run(main())
PY
cap_stop

# IRC.
cat >"$WORK/ngircd.conf" <<CONF
[Global]
Name = irc.flowsieve.test
Ports = 16667
Listen = 127.0.0.1
PidFile = $WORK/ngircd.pid
ServerUID = root
[Options]
Ident = no
PAM = no
DNS = no
CONF
bg ngircd -n -f "$WORK/ngircd.conf"
wait_port 16667
cap_start irc 'tcp port 16667'
"$PY" - <<'PY'
import irc.client, time
r = irc.client.Reactor(); c = r.server().connect("127.0.0.1", 16667, "flowsieve")
c.join("#flowsieve"); c.privmsg("#flowsieve", "hello")
end = time.time() + 2
while time.time() < end: r.process_once(0.2)
c.quit("bye"); r.process_once(0.5)
PY
cap_stop

# XMPP: prosody with an in-memory user, slixmpp logs in and sends a message.
mkdir -p "$WORK/prosody"
cat >"$WORK/prosody/prosody.cfg.lua" <<CONF
pidfile = "$WORK/prosody/prosody.pid"
data_path = "$WORK/prosody"
daemonize = false
run_as_root = true
certificates = "/etc/prosody/certs"
c2s_ports = { 15222 }
interfaces = { "127.0.0.1" }
s2s_ports = { }
authentication = "internal_plain"
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "register" }
log = { error = "$WORK/prosody/err.log" }
VirtualHost "localhost"
CONF
prosodyctl --config "$WORK/prosody/prosody.cfg.lua" register flowsieve localhost secret >/dev/null 2>&1 || true
bg prosody --config "$WORK/prosody/prosody.cfg.lua"
wait_port 15222
cap_start xmpp 'tcp port 15222'
"$PY" - <<'PY'
import asyncio, slixmpp
class C(slixmpp.ClientXMPP):
    def __init__(self):
        super().__init__("flowsieve@localhost", "secret")
        self.add_event_handler("session_start", self.start)
    async def start(self, _):
        self.send_message(mto="flowsieve@localhost", mbody="hello"); self.disconnect()
c = C(); c.enable_plaintext = True; c.enable_starttls = False
c.connect("127.0.0.1", 15222)
asyncio.get_event_loop().run_until_complete(asyncio.wait_for(c.disconnected, 8))
PY
cap_stop

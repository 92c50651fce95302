#!/bin/bash
# Measurement and small services on loopback, one pcap each:
#   zabbix:     zabbix_sender (Debian zabbix-agent) sending a value to a
#               listener that accepts and stays silent (no server packaged)
#   ident:      ngircd (built with IDENT, DNS on) asking oidentd about an IRC
#               client (netcat registering), the RFC 1413 exchange on TCP 113
#   syslog-tcp: util-linux logger over TCP (RFC 6587 octet counting) to a
#               listener (socat)
#   sflow:      pmacctd's sfprobe plugin exporting sFlow v5 for lo traffic
# Takes section names as arguments (default: all).
. "$(dirname "$0")/lib.sh"
need zabbix-agent oidentd ngircd netcat-openbsd pmacct bsdutils socat tcpdump
SECTIONS=${*:-zabbix ident syslog-tcp sflow}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want zabbix; then
bg socat TCP-LISTEN:10151,bind=127.0.0.1,reuseaddr,fork SYSTEM:'cat >/dev/null'
wait_port 10151
cap_start zabbix 'tcp port 10151'
timeout 5 zabbix_sender -z 127.0.0.1 -p 10151 -s flowsieve -k rule.packs -o 45 >/dev/null 2>&1 || true
cap_stop
fi

if want ident; then
bg oidentd -f -i -a 127.0.0.1
cat >"$WORK/ngircd.conf" <<CONF
[Global]
Name = irc.flowsieve.test
Ports = 16668
Listen = 127.0.0.1
PidFile = $WORK/ngircd.pid
ServerUID = root
[Options]
Ident = yes
PAM = no
DNS = yes
CONF
bg ngircd -n -f "$WORK/ngircd.conf"
wait_port 16668; wait_port 113
cap_start ident 'tcp port 113'
(printf 'NICK flowsieve\r\nUSER flowsieve 0 * :flowsieve\r\n'; sleep 3) | timeout 5 nc 127.0.0.1 16668 >/dev/null || true
cap_stop
fi

if want syslog-tcp; then
bg socat TCP-LISTEN:10601,bind=127.0.0.1,reuseaddr,fork SYSTEM:'cat >/dev/null'
wait_port 10601
cap_start syslog-tcp 'tcp port 10601'
logger -n 127.0.0.1 -P 10601 -T --octet-count --rfc5424 -t flowsieve -p local0.notice "rule packs loaded"
logger -n 127.0.0.1 -P 10601 -T --rfc3164 -t flowsieve -p auth.warning "login failed for bob"
cap_stop
fi

if want sflow; then
cat >"$WORK/pmacctd.conf" <<CONF
daemonize: false
pcap_interface: lo
plugins: sfprobe
sfprobe_receiver: 127.0.0.1:16343
sfprobe_agentip: 127.0.0.1
sampling_rate: 1
pcap_filter: tcp port 18081
CONF
bg python3 -m http.server 18081 --bind 127.0.0.1
wait_port 18081
bg pmacctd -f "$WORK/pmacctd.conf"
sleep 2
cap_start sflow 'udp port 16343'
for _ in 1 2 3 4 5; do python3 -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:18081/").read()'; done
sleep 3
cap_stop
fi

#!/bin/bash
# Measurement and small services on loopback, one pcap each:
#   zabbix:     zabbix_sender (Debian zabbix-agent) sending a value to a
#               listener that accepts and stays silent (no server packaged)
#   ident:      ngircd (built with IDENT, DNS on) asking oidentd about an IRC
#               client (netcat registering), the RFC 1413 exchange on TCP 113
#   syslog-tcp: util-linux logger over TCP (RFC 6587 octet counting) to a
#               listener (socat)
#   sflow:      pmacctd's sfprobe plugin exporting sFlow v5 for lo traffic
#   ganglia:    gmond (ganglia-monitor) sending its metrics by unicast UDP
#   munin:      munin-node greeting and answering netcat's `cap`/`list`
#   pyzor:      pyzord (gdbm backend) answering the pyzor client's check and
#               report over UDP
# Takes section names as arguments (default: all).
. "$(dirname "$0")/lib.sh"
need zabbix-agent oidentd ngircd netcat-openbsd pmacct bsdutils socat munin-node pyzor python3-gdbm ganglia-monitor python3 tcpdump
SECTIONS=${*:-zabbix ident syslog-tcp sflow munin pyzor ganglia}
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

if want munin; then
cat >"$WORK/munin-node.conf" <<CONF
log_level 4
log_file $WORK/munin-node.log
pid_file $WORK/munin-node.pid
background 0
setsid 0
user root
group root
host_name flowsieve.test
allow ^127\.0\.0\.1$
host 127.0.0.1
port 14949
CONF
bg munin-node --config "$WORK/munin-node.conf"
wait_port 14949
cap_start munin 'tcp port 14949'
(sleep 1; printf 'cap multigraph\nlist\nquit\n'; sleep 2) | timeout 5 nc 127.0.0.1 14949 >/dev/null || true
cap_stop
fi

if want pyzor; then
mkdir -p "$WORK/pyzord" "$WORK/pyzor"
bg pyzord --homedir "$WORK/pyzord" -a 127.0.0.1 -p 24441
sleep 2
echo "127.0.0.1:24441" >"$WORK/pyzor/servers"
printf 'Subject: flowsieve\n\nThis is a test message for the rule packs, long enough to be digested.\n' >"$WORK/msg"
cap_start pyzor 'udp port 24441'
pyzor --homedir "$WORK/pyzor" report <"$WORK/msg" >/dev/null 2>&1 || true
pyzor --homedir "$WORK/pyzor" check <"$WORK/msg" >/dev/null 2>&1 || true
cap_stop
fi

if want ganglia; then
# gmond's default configuration, in the foreground, sending to 127.0.0.1 only.
gmond -t | python3 -c '
import re, sys
s = sys.stdin.read().replace("daemonize = yes", "daemonize = no").replace("setuid = yes", "setuid = no")
s = re.sub(r"udp_send_channel \{[^}]*\}", "udp_send_channel {\n  host = 127.0.0.1\n  port = 18649\n  ttl = 1\n}", s, count=1)
s = re.sub(r"udp_recv_channel \{[^}]*\}", "", s)
s = re.sub(r"tcp_accept_channel \{[^}]*\}", "tcp_accept_channel {\n  port = 18650\n  bind = 127.0.0.1\n}", s)
print(s)' >"$WORK/gmond.conf"
cap_start ganglia 'udp port 18649'
timeout 4 gmond -c "$WORK/gmond.conf" >/dev/null 2>&1 || true
tcpdump -r "$WORK/ganglia.pcap" -w "$WORK/ganglia.small.pcap" -c 20 2>/dev/null || true
cap_stop
cp "$WORK/ganglia.small.pcap" "$OUT/ganglia.pcap"
fi

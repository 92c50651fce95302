#!/bin/bash
# VTun on loopback: vtund as a server (127.0.0.1:15000) and vtund as a
# client opening session "flowsieve" (greeting, host name, challenge/
# response authentication); the tunnel device may fail to come up, which
# comes after the exchange. Writes tests/data/recorded/vtun.pcap.
REC_MAX="${REC_MAX:-30}"
. "$(dirname "$0")/rec-lib.sh"
rec_need vtun
cd "$REC_TMP"
cat > vtund.conf <<CONF
options { port 15000; syslog daemon; ifconfig /bin/true; }
flowsieve { passwd s3cret; type tun; proto tcp; compress no; encrypt no; keepalive yes; }
CONF
rec_start vtun 'tcp port 15000'
vtund -s -n -f "$REC_TMP/vtund.conf" -P 15000 >/dev/null 2>&1 & rec_pid $!
sleep 1
timeout 5 vtund -n -f "$REC_TMP/vtund.conf" -P 15000 flowsieve 127.0.0.1 >/dev/null 2>&1 & rec_pid $!
sleep 4
rec_stop

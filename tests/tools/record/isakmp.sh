#!/bin/bash
# IKE on loopback: strongSwan's charon as the responder (IKEv1 and IKEv2,
# ports 500 and 4500) and ike-scan as the initiator: an IKEv1 Main Mode
# proposal, an IKEv2 IKE_SA_INIT, and IKEv1 over NAT-T (port 4500, behind
# the 4-byte non-ESP marker). Writes tests/data/recorded/isakmp.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_need strongswan-charon strongswan-swanctl ike-scan
cd "$REC_TMP"
cat > strongswan.conf <<CONF
charon {
  port = 500
  port_nat_t = 4500
  filelog { stderr { default = 0 } }
  plugins { include /etc/strongswan.d/charon/*.conf }
}
CONF
rec_start isakmp 'udp port 500 or udp port 4500'
STRONGSWAN_CONF="$REC_TMP/strongswan.conf" /usr/lib/ipsec/charon >/dev/null 2>&1 & rec_pid $!
sleep 2
ike-scan -M --sport=5500 127.0.0.1 >/dev/null 2>&1 || true
ike-scan -M --ikev2 --sport=5501 127.0.0.1 >/dev/null 2>&1 || true
ike-scan -M --nat-t --sport=4501 127.0.0.1 >/dev/null 2>&1 || true
rec_stop

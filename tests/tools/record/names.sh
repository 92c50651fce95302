#!/bin/bash
# Name, directory and management services on loopback, one pcap each:
#   ldap:     slapd (Debian) with a throw-away config, ldapsearch/ldapwhoami
#   radius:   freeradius -X with a `testing123` client, radclient (auth + acct)
#   kerberos: krb5kdc with a fresh realm, kinit over UDP and TCP
#   syslog:   util-linux logger, RFC 5424 and RFC 3164 over UDP (no daemon
#             needed: the capture is the message)
#   llmnr:    dig (bind9-dnsutils) sending an LLMNR-format query (RFC 4795
#             §2.1.1: no RD, one question) unicast to UDP 5355 (no responder)
#   netflow:  softflowd reading a pcap and exporting NetFlow v5, v9 and IPFIX
. "$(dirname "$0")/lib.sh"
need bind9-dnsutils slapd ldap-utils freeradius freeradius-utils krb5-kdc krb5-admin-server krb5-user bsdutils softflowd tcpdump
chmod 755 "$WORK"
SECTIONS=${*:-ldap radius kerberos syslog netflow llmnr}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want ldap; then
# LDAP.
mkdir -p "$WORK/slapd.d" "$WORK/ldapdb"
cat >"$WORK/slapd.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

include: file:///etc/ldap/schema/core.ldif

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: dc=flowsieve,dc=test
olcRootDN: cn=admin,dc=flowsieve,dc=test
olcRootPW: secret
olcDbDirectory: $WORK/ldapdb
LDIF
slapadd -n 0 -F "$WORK/slapd.d" -l "$WORK/slapd.ldif" >/dev/null 2>&1
bg slapd -d 0 -F "$WORK/slapd.d" -h ldap://127.0.0.1:13389/
wait_port 13389
cap_start ldap 'tcp port 13389'
ldapwhoami -x -H ldap://127.0.0.1:13389 -D cn=admin,dc=flowsieve,dc=test -w secret || true
ldapsearch -x -H ldap://127.0.0.1:13389 -b '' -s base namingContexts >/dev/null || true
cap_stop
fi
if want radius; then
# RADIUS.
cp -r /etc/freeradius/3.0 "$WORK/raddb"
chown -R freerad:freerad "$WORK/raddb"
bg freeradius -f -d "$WORK/raddb" -i 127.0.0.1 -p 11812
sleep 3
cap_start radius 'udp port 11812 or udp port 11813'
echo 'User-Name = "bob", User-Password = "hello"' | radclient -x 127.0.0.1:11812 auth testing123 || true
echo 'User-Name = "bob", Acct-Status-Type = Start, Acct-Session-Id = "flowsieve1"' | radclient -x 127.0.0.1:11813 acct testing123 || true
cap_stop
fi
if want kerberos; then
# Kerberos.
mkdir -p "$WORK/krb5"
cat >"$WORK/krb5/krb5.conf" <<CONF
[libdefaults]
    default_realm = FLOWSIEVE.TEST
    dns_lookup_kdc = false
[realms]
    FLOWSIEVE.TEST = {
        kdc = 127.0.0.1:10088
    }
CONF
cat >"$WORK/krb5/kdc.conf" <<CONF
[kdcdefaults]
    kdc_ports = 10088
    kdc_tcp_ports = 10088
[realms]
    FLOWSIEVE.TEST = {
        database_name = $WORK/krb5/principal
        key_stash_file = $WORK/krb5/stash
        acl_file = $WORK/krb5/kadm5.acl
    }
CONF
export KRB5_CONFIG="$WORK/krb5/krb5.conf" KRB5_KDC_PROFILE="$WORK/krb5/kdc.conf" KRB5CCNAME="$WORK/krb5/cc"
kdb5_util create -s -r FLOWSIEVE.TEST -P masterpw >/dev/null 2>&1
kadmin.local -q "addprinc -pw secret bob" >/dev/null 2>&1
bg krb5kdc -n
sleep 2
cap_start kerberos 'port 10088'
echo secret | kinit bob@FLOWSIEVE.TEST >/dev/null || true
# Force TCP for the second exchange.
sed -i 's#dns_lookup_kdc = false#dns_lookup_kdc = false\n    udp_preference_limit = 1#' "$WORK/krb5/krb5.conf"
echo secret | kinit bob@FLOWSIEVE.TEST >/dev/null || true
cap_stop
fi
if want syslog; then
# Syslog.
cap_start syslog 'udp port 10514'
logger -n 127.0.0.1 -P 10514 -d --rfc5424 -t flowsieve -p local0.notice "rule packs loaded"
logger -n 127.0.0.1 -P 10514 -d --rfc3164 -t flowsieve -p auth.warning "login failed for bob"
cap_stop
fi
if want netflow; then
# NetFlow v5, v9 and IPFIX from softflowd, fed a pcap of this script's LDAP exchange.
cap_start netflow 'udp port 12055 or udp port 12056 or udp port 12057'
for v in 5:12055 9:12056 10:12057; do
    softflowd -r "$OUT/ldap.pcap" -n 127.0.0.1:${v#*:} -v ${v%%:*} -d >/dev/null 2>&1 || true
done
cap_stop
fi
if want llmnr; then
cap_start llmnr 'udp port 5355'
dig +norecurse +noedns +tries=1 +time=1 -p 5355 @127.0.0.1 flowsieve A >/dev/null 2>&1 || true
cap_stop
fi

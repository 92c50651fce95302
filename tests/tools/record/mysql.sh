#!/bin/bash
# MySQL protocol: mariadbd on 127.0.0.1:13306 (fresh datadir), the mariadb
# client runs a query; then a refused login (ERR greeting path is not
# produced on loopback, so only the HandshakeV10 path is recorded).
. "$(dirname "$0")/lib.sh"
need mariadb-server mariadb-client tcpdump
mariadb-install-db --datadir="$WORK/db" --user=root --auth-root-authentication-method=normal >/dev/null 2>&1
bg mariadbd --user=root --datadir="$WORK/db" --socket="$WORK/sock" --port=13306 --bind-address=127.0.0.1 --skip-grant-tables
wait_port 13306
cap_start mysql 'tcp port 13306'
mariadb --skip-ssl -h 127.0.0.1 -P 13306 -u root -e 'select version()'
cap_stop

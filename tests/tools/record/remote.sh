#!/bin/bash
# Remote access on loopback, one pcap each:
#   telnet: telnetd (Debian telnetd, inetutils) on the socket socat accepted (nofork), the telnet client
#   rlogin: in.rlogind (rsh-redone-server), the same way, the rlogin client
#   x11:    Xvfb listening on TCP, xdpyinfo as the X client
#   rfb:    x11vnc serving that Xvfb, TigerVNC's vncviewer as the client
#   giop:   omniORB's omniNames (CORBA naming service) and nameclt listing it
# Takes section names as arguments (default: all).
. "$(dirname "$0")/lib.sh"
need telnetd telnet rsh-redone-server rsh-redone-client xvfb x11-utils x11vnc tigervnc-viewer socat omniorb omniorb-nameserver tcpdump
SECTIONS=${*:-telnet rlogin x11 rfb giop}
want() { [[ " $SECTIONS " == *" $1 "* ]]; }

if want telnet; then
bg socat TCP-LISTEN:11023,bind=127.0.0.1,reuseaddr,fork EXEC:/usr/sbin/telnetd,nofork
wait_port 11023
cap_start telnet 'tcp port 11023'
(sleep 3; printf 'root\r\n'; sleep 2) | timeout 8 telnet 127.0.0.1 11023 >/dev/null 2>&1 || true
cap_stop
fi

if want rlogin; then
bg socat TCP-LISTEN:11513,bind=127.0.0.1,reuseaddr,fork EXEC:/usr/sbin/in.rlogind,nofork
wait_port 11513
cap_start rlogin 'tcp port 11513'
(sleep 3) | timeout 5 script -qc "rlogin -p 11513 -l flowsieve 127.0.0.1" /dev/null >/dev/null 2>&1 || true
cap_stop
fi

if want x11 || want rfb; then
bg Xvfb :47 -listen tcp -ac -screen 0 320x240x24
wait_port 6047
fi

if want x11; then
cap_start x11 'tcp port 6047'
xdpyinfo -display 127.0.0.1:47 >/dev/null
cap_stop
fi

if want rfb; then
bg x11vnc -display :47 -rfbport 15947 -localhost -nopw -forever -quiet
wait_port 15947
cap_start rfb 'tcp port 15947'
DISPLAY=:47 timeout 4 vncviewer 127.0.0.1::15947 >/dev/null 2>&1 || true
# Keep it small: the handshake and the first updates.
cap_stop
tcpdump -r "$OUT/rfb.pcap" -w "$WORK/rfb.small.pcap" -c 40 2>/dev/null && cp "$WORK/rfb.small.pcap" "$OUT/rfb.pcap"
fi

if want giop; then
mkdir -p "$WORK/omninames"
bg omniNames -start 12809 -datadir "$WORK/omninames" -logdir "$WORK/omninames" -ORBendPoint giop:tcp:127.0.0.1:12809
wait_port 12809
cap_start giop 'tcp port 12809'
nameclt -ORBInitRef NameService=corbaloc::127.0.0.1:12809/NameService list || true
cap_stop
fi

#!/bin/bash
# Icecast/SHOUTcast source protocol on loopback: icecast2 (127.0.0.1:18000)
# and ffmpeg as a legacy source client (-legacy_icecast 1: the SOURCE
# method) streaming 3 s of MP3, then curl listening to the mount point.
# Writes tests/data/recorded/shoutcast.pcap.
REC_MAX="${REC_MAX:-40}"
. "$(dirname "$0")/rec-lib.sh"
rec_need icecast2 ffmpeg curl
cd "$REC_TMP"
mkdir -p log && chmod 755 "$REC_TMP" && chmod 777 log
cat > icecast.xml <<XML
<icecast>
  <limits><sources>2</sources></limits>
  <authentication><source-password>hackme</source-password><admin-password>hackme</admin-password></authentication>
  <hostname>127.0.0.1</hostname>
  <listen-socket><port>18000</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>$REC_TMP/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><loglevel>1</loglevel></logging>
  <security><chroot>0</chroot><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>
</icecast>
XML
rec_start shoutcast 'tcp port 18000'
icecast2 -c "$REC_TMP/icecast.xml" >/dev/null 2>&1 & rec_pid $!
sleep 2
ffmpeg -nostdin -loglevel quiet -re -f lavfi -i sine=frequency=440:duration=4 -c:a libmp3lame -b:a 32k \
    -content_type audio/mpeg -legacy_icecast 1 -f mp3 icecast://source:hackme@127.0.0.1:18000/live.mp3 & rec_pid $!
sleep 2
curl -s -o /dev/null --max-time 1 -H 'Icy-MetaData: 1' http://127.0.0.1:18000/live.mp3 || true
sleep 2
rec_stop

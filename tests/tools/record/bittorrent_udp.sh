#!/bin/bash
# BitTorrent over UDP on loopback: opentracker (a real BEP 15 UDP tracker) and
# two aria2c peers (a seeder and a leecher) announcing to it over UDP, with
# the DHT (BEP 5) on, the leecher bootstrapping from the seeder's DHT node.
# Writes tests/data/recorded/bittorrent_udp.pcap.
REC_MAX="${REC_MAX:-200}"
. "$(dirname "$0")/rec-lib.sh"
rec_need opentracker aria2 mktorrent
cd "$REC_TMP"
mkdir seed leech
head -c 300000 /dev/urandom > seed/file.bin
mktorrent -a udp://127.0.0.1:16969/announce -o t.torrent seed/file.bin >/dev/null
rec_start bittorrent_udp 'udp'
opentracker -i 127.0.0.1 -p 16969 -P 16969 >/dev/null 2>&1 & rec_pid $!
sleep 1
common=(--enable-dht=true --bt-enable-lpd=false --enable-peer-exchange=false
        --dht-file-path="$REC_TMP/dht.dat" --seed-time=0 --summary-interval=0 -q)
aria2c "${common[@]}" --dht-listen-port=16881 --listen-port=16882 -d seed -V --seed-ratio=0.0 --seed-time=1 t.torrent & rec_pid $!
sleep 2
aria2c "${common[@]}" --dht-file-path="$REC_TMP/dht2.dat" --dht-listen-port=16891 --listen-port=16892 \
    --dht-entry-point=127.0.0.1:16881 -d leech t.torrent & rec_pid $!
sleep 8
rec_stop

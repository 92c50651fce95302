#!/bin/bash
# SAP/SDP session announcements on loopback: ffmpeg's SAP muxer sends RTP
# audio to 127.0.0.1:19010 and announces the session (SAP v1, SDP payload)
# to 127.0.0.1:9875, where an ffmpeg SAP demuxer listens for it.
# Writes tests/data/recorded/sap.pcap.
REC_MAX="${REC_MAX:-20}"
. "$(dirname "$0")/rec-lib.sh"
rec_need ffmpeg
cd "$REC_TMP"
rec_start sap 'udp port 9875'
timeout 8 ffmpeg -nostdin -loglevel quiet -i 'sap://127.0.0.1:9875' -f null - & rec_pid $!
sleep 1
timeout 6 ffmpeg -nostdin -loglevel quiet -re -f lavfi -i sine=frequency=440:duration=4 -c:a pcm_mulaw -ar 8000 \
    -f sap 'sap://127.0.0.1:19010?announce_addr=127.0.0.1&announce_port=9875' || true
rec_stop

#!/bin/bash
# RTSP with RTP/RTCP over UDP on loopback: one ffmpeg listens as an RTSP
# server (-rtsp_flags listen, 127.0.0.1:18554) and a second ffmpeg publishes
# 3 s of PCMU audio to it (ANNOUNCE/SETUP/RECORD, then RTP and RTCP sender
# reports on the negotiated UDP ports). Writes tests/data/recorded/rtsp.pcap.
REC_MAX="${REC_MAX:-300}"
. "$(dirname "$0")/rec-lib.sh"
rec_need ffmpeg
cd "$REC_TMP"
rec_start rtsp 'tcp port 18554 or (udp and not port 53)'
ffmpeg -nostdin -loglevel quiet -rtsp_flags listen -i rtsp://127.0.0.1:18554/live -f null - & rec_pid $!
sleep 2
timeout 15 ffmpeg -nostdin -loglevel quiet -re -f lavfi -i sine=frequency=440:duration=3 -c:a pcm_mulaw -ar 8000 \
    -f rtsp -rtsp_transport udp rtsp://127.0.0.1:18554/live || true
rec_stop

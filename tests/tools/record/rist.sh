#!/bin/bash
# RIST main profile on loopback, with ffmpeg (librist): an ffmpeg receiver
# listening on rist://@127.0.0.1:19030 and an ffmpeg sender streaming 2 s of
# MPEG-TS to it (GRE-over-UDP with the VSF protocol type, RTCP reports and
# RTP media). Writes tests/data/recorded/rist.pcap.
REC_MAX="${REC_MAX:-30}"
. "$(dirname "$0")/rec-lib.sh"
rec_need ffmpeg
cd "$REC_TMP"
rec_start rist 'udp portrange 19030-19031'
timeout 8 ffmpeg -nostdin -loglevel quiet -i 'rist://@127.0.0.1:19030' -f null - & rec_pid $!
sleep 1
timeout 5 ffmpeg -nostdin -loglevel quiet -re -f lavfi -i sine=frequency=440:duration=2 -c:a mp2 \
    -f mpegts 'rist://127.0.0.1:19030' || true
rec_stop

#!/bin/bash
# SRT and MPEG-TS over UDP on loopback, with ffmpeg (libsrt): an ffmpeg SRT
# listener (127.0.0.1:19000) receiving 1 s of MPEG-TS from an ffmpeg SRT
# caller (handshake induction/conclusion, then data), and ffmpeg sending
# 2 s of MPEG-TS over plain UDP to 127.0.0.1:19002 (received by another
# ffmpeg). Writes tests/data/recorded/srt_mpegts.pcap.
REC_MAX="${REC_MAX:-60}"
. "$(dirname "$0")/rec-lib.sh"
rec_need ffmpeg
cd "$REC_TMP"
rec_start srt_mpegts 'udp port 19000 or udp port 19002'
ffmpeg -nostdin -loglevel quiet -i 'srt://127.0.0.1:19000?mode=listener' -f null - & rec_pid $!
ffmpeg -nostdin -loglevel quiet -i 'udp://127.0.0.1:19002' -f null - & rec_pid $!
sleep 2
timeout 10 ffmpeg -nostdin -loglevel quiet -re -f lavfi -i sine=frequency=440:duration=1 -c:a mp2 \
    -f mpegts 'udp://127.0.0.1:19002?pkt_size=1316' || true
timeout 10 ffmpeg -nostdin -loglevel quiet -re -f lavfi -i sine=frequency=440:duration=1 -c:a mp2 \
    -f mpegts 'srt://127.0.0.1:19000?mode=caller' || true
rec_stop

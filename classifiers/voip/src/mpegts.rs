//! MPEG transport stream over UDP (ISO/IEC 13818-1 §2.4.3.2; the DVB/IPTV
//! practice of carrying whole 188-byte TS packets, usually seven, per
//! datagram, ETSI TS 102 034 §4.1): every TS packet starts with the sync
//! byte 0x47, so a datagram is a multiple of 188 bytes with 0x47 at each
//! packet boundary, and the first packet's transport error indicator is
//! clear. A single-packet datagram (188 bytes) needs a second packet in the
//! same direction. The stream flows one way.

use flowsieve_sdk::prelude::*;

const TS: usize = 188;
const SYNC: u8 = 0x47;

pub(crate) fn lead() -> Lead {
    either(&[SYNC, 0]).masked(&[0xff, 0x80])
}

fn stream(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let boundaries_ok = (0..size)
        .step_by(TS)
        .all(|at| p.get(at).is_none_or(|&b| b == SYNC));
    size >= TS
        && size.is_multiple_of(TS)
        && boundaries_ok
        && p.get(1).is_some_and(|b| b & 0x80 == 0)
        && (size > TS || side.packets >= 2)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, true) => stream(c),
        (true, false) => stream(s),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // srt_mpegts.pcap (tests/tools/record/srt_mpegts.sh): ffmpeg's MPEG-TS
    // over UDP, 127.0.0.1:56210 -> :19002, 1316-byte datagrams: the PAT
    // packet's start, and the second packet's start at byte 188.
    fn datagram() -> Vec<u8> {
        let mut p = b"\x47\x40\x11\x10\x00\x42\xf0\x25\x00\x01\xc1\x00\x00\xff\x01\xff".to_vec();
        p.resize(TS, 0xff);
        p.extend_from_slice(b"\x47\x40\x00\x10\x00\x00\xb0\x0d\x00\x01\xc1\x00\x00\x00\x01\xf0");
        p.resize(256, 0xff);
        p
    }

    #[test]
    fn mpegts() {
        let mut f = udp(56210, 19002, &datagram(), b"");
        f.client.first_payload_len = 1316;
        assert!(matches(&f) && crate::offered(crate::MPEG_TS, &f));
    }

    #[test]
    fn not_mpegts() {
        // No sync byte at 188; a length that is no multiple of 188; traffic
        // both ways; the sip.pcap RTP packet.
        let mut f = udp(56210, 19002, &datagram(), b"");
        f.client.first_payload_len = 1316;
        let mut broken = datagram();
        broken[TS] = 0;
        let mut g = udp(56210, 19002, &broken, b"");
        g.client.first_payload_len = 1316;
        assert!(!matches(&g));
        f.client.first_payload_len = 1317;
        assert!(!matches(&f));
        assert!(!matches(&udp(56210, 19002, &datagram(), &datagram())));
        let rtp = b"\x80\x08\x6f\xae\x00\x00\x04\xd8\x37\x96\xcb\x71\xd5\xd5\xd5\xd5";
        assert!(!matches(&udp(30000, 40392, rtp, b"")));
    }
}

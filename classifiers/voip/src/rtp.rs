//! RTP and RTCP over UDP (RFC 3550 §5.1, §6.4, §11; RFC 3551 payload types;
//! RFC 5761 §4 for the payload-type ranges the two keep apart).
//!
//! RTP has no magic number: a 12-byte header with version 2, padding,
//! extension, a CSRC count, the marker and a payload type, a sequence
//! number, a timestamp and an SSRC, then the CSRCs and, with the X bit, an
//! extension header whose length counts 32-bit words. The rule wants all of
//! it to fit the datagram, a payload type that is static-assigned (0–34)
//! or dynamic (96–127), never 72–76 (those first bytes are RTCP's), and a
//! non-zero SSRC. As that is weak evidence, it also wants either both
//! directions to send RTP with different SSRCs, or one direction alone,
//! with at least two packets, towards an even port (RFC 3550 §11: RTP uses
//! an even port, RTCP the next odd one). It has a weak priority: any other
//! rule that matches wins.
//!
//! Over TCP (RFC 4571 §2), each RTP packet is preceded by its 16-bit length;
//! the first frame's length must agree with the first segment (it may carry
//! a whole number of frames or the start of one), and the header is checked
//! as above except for the SSRC, which some senders leave zero there. The
//! framing adds the evidence the even port gives over UDP.
//!
//! RTCP: a compound packet is a chain of RTCP packets, each with version 2,
//! a packet type 192–223 and a length in 32-bit words minus one; the first
//! is a sender (200) or receiver (201) report (§6.1) whose length covers
//! its report blocks (SR 6 + 6·RC words, RR 1 + 6·RC). The chain must fill
//! the datagram exactly (as far as the prefix shows it).

use flowsieve_sdk::prelude::*;

/// Version 2 in the first byte.
pub(crate) fn rtp_lead() -> Lead {
    either(&[0x80]).masked(&[0xc0])
}

/// Version 2 and a sender or receiver report.
pub(crate) fn rtcp_leads() -> [Lead; 2] {
    [200, 201].map(|pt| either(&[0x80, pt]).masked(&[0xc0, 0xff]))
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

/// RTP's version behind the RFC 4571 length.
pub(crate) fn rtp_tcp_lead() -> Lead {
    either(&[0x80]).masked(&[0xc0]).at(2)
}

/// An RTP header filling a datagram of `len` bytes: its SSRC.
fn rtp(p: &[u8], len: usize) -> Option<u32> {
    rtp_header(p, len).filter(|&ssrc| ssrc != 0)
}

/// An RTP header that fits in `len` bytes: its SSRC.
fn rtp_header(p: &[u8], len: usize) -> Option<u32> {
    let (b0, b1) = (*p.first()?, *p.get(1)?);
    let pt = b1 & 0x7f;
    if b0 >> 6 != 2 || !(pt <= 34 || pt >= 96) {
        return None;
    }
    let mut header = 12 + 4 * usize::from(b0 & 0x0f);
    if b0 & 0x10 != 0 {
        header += 4 + 4 * usize::from(be_u16(p, header + 2)?);
    }
    let ssrc = be_u32(p, 8)?;
    (header <= len).then_some(ssrc)
}

/// One direction of RTP over TCP: a framed RTP packet that agrees with the
/// first segment.
fn rtp_tcp(side: &Side) -> bool {
    let p = &side.prefix;
    let (Some(frame), first) = (be_u16(p, 0), side.first_payload_len as usize) else {
        return false;
    };
    let frame = usize::from(frame);
    frame >= 12
        && (first == frame + 2 || (first > frame + 2 && be_u16(p, frame + 2).is_some()))
        && rtp_header(&p[2..], frame).is_some()
}

pub(crate) fn matches_rtp_tcp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, false) => rtp_tcp(c) && rtp_tcp(s),
        (false, true) => rtp_tcp(c) && c.packets >= 2,
        (true, false) => rtp_tcp(s) && s.packets >= 2,
        (true, true) => false,
    }
}

pub(crate) fn matches_rtp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    let one_way = |side: &Side| {
        rtp(&side.prefix, size(side)).is_some()
            && side.packets >= 2
            && flow.server_port.is_multiple_of(2)
            && flow.client_port >= 1024
            && flow.server_port >= 1024
    };
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, false) => matches!(
            (rtp(&c.prefix, size(c)), rtp(&s.prefix, size(s))),
            (Some(a), Some(b)) if a != b
        ),
        (false, true) => one_way(c),
        (true, false) => one_way(s),
        (true, true) => false,
    }
}

/// A compound RTCP packet filling a datagram of `len` bytes.
fn rtcp(p: &[u8], len: usize) -> bool {
    let (Some(&b0), Some(&pt), Some(words)) = (p.first(), p.get(1), be_u16(p, 2)) else {
        return false;
    };
    let count = usize::from(b0 & 0x1f);
    let min_words = match pt {
        200 => 6 + 6 * count,
        201 => 1 + 6 * count,
        _ => return false,
    };
    if usize::from(words) < min_words {
        return false;
    }
    let mut at = 0;
    while at < len {
        let Some(&b) = p.get(at) else {
            return true; // the rest is past the prefix
        };
        let (Some(&pt), Some(words)) = (p.get(at + 1), be_u16(p, at + 2)) else {
            return p.len() < len; // cut by the prefix
        };
        if b >> 6 != 2 || !(192..=223).contains(&pt) {
            return false;
        }
        at += 4 * (usize::from(words) + 1);
    }
    at == len
}

pub(crate) fn matches_rtcp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, false) => rtcp(&c.prefix, size(c)) && rtcp(&s.prefix, size(s)),
        (false, true) => rtcp(&c.prefix, size(c)),
        (true, false) => rtcp(&s.prefix, size(s)),
        (true, true) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8], len: usize, packets: u32) -> FlowView {
        let mut f = udp(30000, 40392, p, b"");
        f.client.first_payload_len = len as u32;
        f.client.packets = packets;
        f
    }

    // sip.pcap, 192.168.1.2:30000 -> 212.242.33.36:40392 (9 packets, one
    // way): PCMU (PT 8), first 20 of 172 bytes.
    pub(crate) const PCMA: &[u8] =
        b"\x80\x08\x6f\xae\x00\x00\x04\xd8\x37\x96\xcb\x71\xd5\xd5\xd5\xd5\xd5\xd5\xd5\xd5";
    // rtp.pcapng, 10.204.220.71:6000 -> 10.204.220.171:6000: H.263 video
    // (PT 34), first 16 of 1444 bytes.
    const H263: &[u8] = b"\x80\x22\x01\x10\x00\x09\xe8\x86\x00\x00\x16\x46\x00\x70\x00\x00";
    // rtsp.pcap (tests/tools/record/rtsp.sh): ffmpeg's RTP, PCMU (PT 0),
    // 127.0.0.1:9630 -> :5000, first 16 of 182 bytes.
    const PCMU: &[u8] = b"\x80\x00\x03\x4a\x6f\xb3\x27\xd1\x00\x4f\x80\xc7\xe5\xc8\xba\xb3";

    #[test]
    fn rtp_streams() {
        assert!(
            matches_rtp(&sized(PCMA, 172, 9)) && crate::offered(crate::RTP, &sized(PCMA, 172, 9))
        );
        let mut video = sized(H263, 1444, 15);
        video.client_port = 6000;
        video.server_port = 6000;
        assert!(matches_rtp(&video) && crate::offered(crate::RTP, &video));
        let mut pcmu = sized(PCMU, 182, 130);
        pcmu.client_port = 9630;
        pcmu.server_port = 5000;
        assert!(matches_rtp(&pcmu) && crate::offered(crate::RTP, &pcmu));
        // Both directions, different SSRCs.
        assert!(
            matches_rtp(&udp(30000, 40392, PCMA, PCMU))
                && crate::offered(crate::RTP, &udp(30000, 40392, PCMA, PCMU))
        );
    }

    #[test]
    fn not_rtp() {
        // One packet only; an odd port; RTCP's sender report; the same SSRC
        // both ways (a reflection); a QUIC long header (0xc0); STUN.
        assert!(!matches_rtp(&sized(PCMA, 172, 1)));
        let mut odd = sized(PCMA, 172, 9);
        odd.server_port = 40393;
        assert!(!matches_rtp(&odd));
        assert!(!matches_rtp(&sized(SR, 28, 3)));
        assert!(!matches_rtp(&udp(30000, 40392, PCMA, PCMA)));
        assert!(!matches_rtp(&sized(
            b"\xc3\x00\x00\x00\x01\x08\x8c\x2d\x5e\x77\x1a\x0c\x55\x54",
            1252,
            3
        )));
        assert!(!matches_rtp(&sized(
            b"\x00\x01\x00\x00\x21\x12\xa4\x42\x53\x48\x6b\x68",
            20,
            3
        )));
    }

    // rtp.pcapng, 172.16.168.24:40252 -> 172.16.168.64:5000 (TCP, 19
    // packets one way): a 1212-byte frame (PCMA, marker set, SSRC 0), first
    // 20 of 1214 bytes.
    const FRAMED: &[u8] =
        b"\x04\xbc\x80\x88\xc6\x23\x64\x48\xec\xa9\x00\x00\x00\x00\xd5\xd5\xd5\xd5\xd5\xd5";

    #[test]
    fn rtp_over_tcp() {
        use flowsieve_sdk::testing::tcp;
        let mut f = tcp(40252, 5000, FRAMED, b"");
        f.client.first_payload_len = 1214;
        f.client.packets = 19;
        assert!(matches_rtp_tcp(&f) && crate::offered(crate::RTP_TCP, &f));
        // The length disagrees with the segment; no framing; one packet.
        f.client.first_payload_len = 1000;
        assert!(!matches_rtp_tcp(&f));
        let mut bare = tcp(40252, 5000, PCMA, b"");
        bare.client.packets = 19;
        assert!(!matches_rtp_tcp(&bare));
        let mut once = tcp(40252, 5000, FRAMED, b"");
        once.client.first_payload_len = 1214;
        assert!(!matches_rtp_tcp(&once));
    }

    // rtsp.pcap: ffmpeg's first RTCP sender report, :9631 -> :5001 (28 bytes).
    const SR: &[u8] = b"\x80\xc8\x00\x06\x00\x4f\x80\xc7\xee\xb4\x9a\xb9\x6a\x7e\xf9\xdb\x6f\xb3\x29\x41\x00\x00\x00\x00\x00\x00\x00\x00";
    // sip.pcap, 192.168.1.2:30001 -> 212.242.33.36:40393: SR, SDES and BYE
    // ("session shutdown"), 104 bytes.
    const COMPOUND: &[u8] = b"\x80\xc8\x00\x06\x37\x96\xcb\x71\x42\xc9\x07\xca\x5e\xfa\xc6\x03\x00\x00\x24\xc3\x00\x00\x00\x09\x00\x00\x06\x0c\x81\xca\x00\x0b\x37\x96\xcb\x71\x01\x1d\x31\x31\x38\x39\x34\x32\x39\x37\x2d\x34\x34\x33\x32\x61\x39\x66\x38\x40\x31\x39\x32\x2e\x31\x36\x38\x2e\x31\x2e\x32\x06\x05\x53\x49\x50\x50\x53\x00\x00\x81\xcb\x00\x06\x37\x96\xcb\x71\x10\x73\x65\x73\x73\x69\x6f\x6e\x20\x73\x68\x75\x74\x64\x6f\x77\x6e\x00\x00\x00";

    #[test]
    fn rtcp_reports() {
        assert!(matches_rtcp(&sized(SR, 28, 1)) && crate::offered(crate::RTCP, &sized(SR, 28, 1)));
        assert!(
            matches_rtcp(&sized(COMPOUND, 104, 1))
                && crate::offered(crate::RTCP, &sized(COMPOUND, 104, 1))
        );
        assert!(
            matches_rtcp(&udp(9631, 5001, SR, COMPOUND))
                && crate::offered(crate::RTCP, &udp(9631, 5001, SR, COMPOUND))
        );
    }

    #[test]
    fn not_rtcp() {
        // A chain that overruns its datagram; a sender report too short for
        // its report count; RTP.
        let mut long = COMPOUND.to_vec();
        long[79] = 7;
        assert!(!matches_rtcp(&sized(&long, 104, 1)));
        let mut sr = SR.to_vec();
        sr[0] = 0x81;
        assert!(!matches_rtcp(&sized(&sr, 28, 1)));
        assert!(!matches_rtcp(&sized(PCMA, 172, 9)));
    }
}

//! RIST main profile (VSF TR-06-2, "GRE over UDP" with the reduced-overhead
//! mode; the GRE header is RFC 2784/2890's): every datagram starts with a
//! GRE header, version 0, the checksum and sequence bits clear, the key bit
//! set only when a pre-shared key is in use (then a 4-byte key follows),
//! and protocol type 0x88B6 (assigned to VSF for RIST reduced overhead);
//! then 2-byte virtual source and destination ports and an RTP or RTCP
//! packet (version 2). The receiver's answer swaps the virtual ports.

use flowsieve_sdk::prelude::*;

const PROTOCOL: [u8; 2] = [0x88, 0xb6];

/// GRE without checksum/sequence, version 0, RIST's protocol type.
pub(crate) fn lead() -> Lead {
    either(&[0, 0, PROTOCOL[0], PROTOCOL[1]]).masked(&[0xdf, 0xff, 0xff, 0xff])
}

/// (source port, destination port) of a RIST datagram.
fn packet(p: &[u8]) -> Option<(u16, u16)> {
    let (Some(flags), Some(proto)) = (be_u16(p, 0), p.get(2..4)) else {
        return None;
    };
    if flags & !0x2000 != 0 || proto != PROTOCOL {
        return None;
    }
    let at = if flags & 0x2000 != 0 { 8 } else { 4 };
    let ok = p.get(at + 4).is_some_and(|b| b >> 6 == 2);
    ok.then(|| Some((be_u16(p, at)?, be_u16(p, at + 2)?)))
        .flatten()
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (packet(c), s.is_empty()) {
        (Some(_), true) => true,
        (Some((src, dst)), false) => packet(s) == Some((dst, src)),
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // rist.pcap (tests/tools/record/rist.sh): ffmpeg sender
    // 127.0.0.1:34143 -> ffmpeg receiver :19030: a sender report (virtual
    // ports 32768 -> 1969) and the receiver's report back (first 24 bytes).
    const SR: &[u8] = b"\x00\x00\x88\xb6\x80\x00\x07\xb1\x80\xc8\x00\x06\x99\x22\x4f\xda\xee\xb4\xa5\x6d\x72\xe4\x14\xa3";
    const RR: &[u8] = b"\x00\x00\x88\xb6\x07\xb1\x80\x00\x81\xc9\x00\x07\x99\x22\x4f\xda\x00\x00\x00\x00\x00\x00\x00\x00";

    #[test]
    fn rist() {
        assert!(
            matches(&udp(34143, 19030, SR, RR))
                && crate::offered(crate::RIST, &udp(34143, 19030, SR, RR))
        );
        assert!(matches(&udp(34143, 19030, SR, b"")));
    }

    #[test]
    fn not_rist() {
        // Ports not swapped; another GRE protocol type (IPv4); no RTP/RTCP
        // version after the ports; a GRE sequence number bit.
        let mut other = RR.to_vec();
        other[5] = 0xb2;
        assert!(!matches(&udp(34143, 19030, SR, &other)));
        let mut ip = SR.to_vec();
        ip[2..4].copy_from_slice(&[0x08, 0x00]);
        assert!(!matches(&udp(34143, 19030, &ip, b"")));
        let mut bare = SR.to_vec();
        bare[8] = 0x00;
        assert!(!matches(&udp(34143, 19030, &bare, b"")));
        let mut seq = SR.to_vec();
        seq[0] = 0x10;
        assert!(!matches(&udp(34143, 19030, &seq, b"")));
    }
}

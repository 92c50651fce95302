//! RTMP handshake (Adobe "Real-Time Messaging Protocol (RTMP)
//! specification" 1.0, §5.2): the client sends C0, the version byte 3,
//! and C1, 1536 bytes (time, 4 bytes of zero or the Flash version for the
//! "complex" handshake, random data); the server answers S0 (3), S1 and S2
//! (1536 bytes each). C0+C1 is 1537 bytes, sent in one write: the first
//! packet is either C0 alone or at least a full-size segment. RTMPE uses
//! version 6 (and 8, 9). The port is not needed.

use crate::{Verdict, RTMP};
use flowsieve_sdk::prelude::*;

const VERSIONS: [u8; 4] = [3, 6, 8, 9];

pub(crate) fn leads() -> Vec<Lead> {
    VERSIONS.iter().map(|&v| client(&[v])).collect()
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client, &flow.server);
    let Some(&version) = c.prefix.first() else {
        return Verdict::No;
    };
    let first = c.first_payload_len;
    if !VERSIONS.contains(&version) || !(first == 1 || first >= 536) {
        return Verdict::No;
    }
    if c.bytes < 1537 {
        return Verdict::Maybe;
    }
    match s.prefix.first() {
        None => Verdict::Maybe,
        Some(&v) if v == version && (s.first_payload_len == 1 || s.first_payload_len >= 536) => {
            Verdict::Yes(RTMP)
        }
        Some(_) => Verdict::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/rtmp.pcap (tests/tools/record/web.sh): ffmpeg
    // publishing to ffmpeg's RTMP listener, 127.0.0.1:46866 -> :11935:
    // C0+C1 (1537 bytes, complex handshake: Flash version 9.0.124.2) and
    // S0 (1 byte) then S1.
    const C0C1: &[u8] =
        b"\x03\x00\x00\x00\x00\x09\x00\x7c\x02\xf7\x78\x55\x1e\xce\xab\x8e\x1e\x36\x2f\x07";

    fn flow(server: &[u8], server_first: u32) -> FlowView {
        let mut f = tcp(46866, 11935, C0C1, server);
        f.client.first_payload_len = 1537;
        f.client.bytes = 1537;
        f.server.first_payload_len = server_first;
        f
    }

    #[test]
    fn handshake() {
        let s0s1 = b"\x03\x00\x00\x00\x00\x00\x00\x00\x00\x9a\x9c\x18\x5f\x03\xa5\x2a\x33";
        flowsieve_sdk::testing::assert_yes::<crate::Web>(classify, &flow(s0s1, 1), RTMP);
        assert_eq!(classify(&flow(b"", 0)), Verdict::Maybe);
    }

    #[test]
    fn not_rtmp() {
        // An RDP connection request (rdp.pcap, TPKT version 3, 19 bytes);
        // a server answering another version.
        let cr = b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x0b\x00\x00\x00";
        assert_eq!(classify(&tcp(52494, 3389, cr, b"")), Verdict::No);
        assert_eq!(classify(&flow(b"\x06\x00\x00\x00", 1537)), Verdict::No);
    }
}

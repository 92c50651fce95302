//! BGP-4 (RFC 4271 §4.1–§4.5): every message starts with a 16-byte marker
//! of all ones, a 2-byte length (19–4096; RFC 8654 allows 65535 after
//! negotiation) and a type (1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE,
//! 5 ROUTE-REFRESH, RFC 2918). A session opens with an OPEN from each side:
//! version 4, the sender's AS, a hold time of 0 or at least 3 seconds, a
//! BGP identifier and the optional parameters, whose length must fit the
//! message's (§6.2). Each direction's stream must start with a message.

use flowsieve_sdk::prelude::*;

const MARKER: [u8; 16] = [0xff; 16];

pub(crate) fn lead() -> Lead {
    either(&MARKER)
}

/// A message header at the start of `p`: (length, type).
fn message(p: &[u8]) -> Option<(u16, u8)> {
    let (len, kind) = (be_u16(p, 16)?, *p.get(18)?);
    let ok = p[..16] == MARKER && len >= 19 && (1..=5).contains(&kind);
    ok.then_some((len, kind))
}

/// An OPEN whose fields agree with its length.
fn open(p: &[u8], len: u16) -> bool {
    let (Some(&version), Some(hold), Some(&params)) = (p.get(19), be_u16(p, 22), p.get(28)) else {
        return true; // cut by the prefix: the header decided
    };
    version == 4 && (hold == 0 || hold >= 3) && 29 + u16::from(params) == len
}

fn side(p: &[u8]) -> bool {
    match message(p) {
        Some((len, 1)) => open(p, len),
        Some(_) => true,
        None => false,
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (c.is_empty(), s.is_empty()) {
        (false, false) => side(c) && side(s),
        (false, true) => side(c),
        (true, false) => side(s),
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // BGP_Cisco_hdlc_slarp.pcap, 100.16.1.2:18324 -> 100.16.1.1:179: the
    // two OPENs (AS 1 and AS 64512, hold time 180; first 32 of 57 bytes).
    const OPEN_C: &[u8] = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x39\x01\x04\x00\x01\x00\xb4\x0b\x0b\x0b\x0b\x1c\x02\x06\x01";
    const OPEN_S: &[u8] = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x39\x01\x04\xfc\x00\x00\xb4\x6e\x6e\x6e\x6e\x1c\x02\x06\x01";

    #[test]
    fn bgp() {
        assert!(
            matches(&tcp(18324, 179, OPEN_C, OPEN_S))
                && crate::offered(crate::BGP, &tcp(18324, 179, OPEN_C, OPEN_S))
        );
        let keepalive =
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x13\x04";
        assert!(matches(&tcp(18324, 179, keepalive, b"")));
    }

    #[test]
    fn not_bgp() {
        // Version 3; optional parameters that overrun the OPEN; a marker
        // with a zero byte; type 9.
        let mut v3 = OPEN_C.to_vec();
        v3[19] = 3;
        assert!(!matches(&tcp(18324, 179, &v3, OPEN_S)));
        let mut long = OPEN_C.to_vec();
        long[28] = 0x40;
        assert!(!matches(&tcp(18324, 179, &long, b"")));
        let mut marker = OPEN_C.to_vec();
        marker[3] = 0;
        assert!(!matches(&tcp(18324, 179, &marker, b"")));
        let mut kind = OPEN_C.to_vec();
        kind[18] = 9;
        assert!(!matches(&tcp(18324, 179, &kind, b"")));
    }
}

//! PPTP control connection (RFC 2637 §1.4, §2): every control message starts
//! with its length (2 bytes), the PPTP message type (1: control message),
//! the magic cookie 0x1A2B3C4D, the control message type and two reserved
//! zero bytes. A connection opens with Start-Control-Connection-Request
//! (type 1, 156 bytes, protocol version 1.0) answered by the Reply (type 2,
//! 156 bytes). The data channel is GRE, handled by the decoder.

use flowsieve_sdk::prelude::*;

pub(crate) const COOKIE: [u8; 4] = [0x1a, 0x2b, 0x3c, 0x4d];
const SCCRQ_LEN: u16 = 156;

/// PPTP message type 1 and the magic cookie.
pub(crate) fn lead() -> Lead {
    either(&[0, 1, COOKIE[0], COOKIE[1], COOKIE[2], COOKIE[3]]).at(2)
}

/// The control message type of a well-formed message at the start of `p`.
fn control(p: &[u8]) -> Option<u16> {
    let len = be_u16(p, 0)?;
    let ok = len >= 16 && be_u16(p, 2)? == 1 && p.get(4..8)? == COOKIE && be_u16(p, 10)? == 0;
    ok.then(|| be_u16(p, 8)).flatten()
}

fn start(p: &[u8], kind: u16) -> bool {
    control(p) == Some(kind) && be_u16(p, 0) == Some(SCCRQ_LEN) && be_u16(p, 12) == Some(0x0100)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (c.is_empty(), s.is_empty()) {
        (false, false) => start(c, 1) && start(s, 2),
        (false, true) => start(c, 1),
        (true, false) => start(s, 2),
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // pptp.pcap (tests/tools/record/pptp.sh): pptp 127.0.0.1:46546 -> pptpd
    // :1723, Start-Control-Connection-Request and Reply (first 32 of 156 bytes).
    const SCCRQ: &[u8] = b"\x00\x9c\x00\x01\x1a\x2b\x3c\x4d\x00\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x03\xff\xff\x00\x01\x6c\x6f\x63\x61";
    const SCCRP: &[u8] = b"\x00\x9c\x00\x01\x1a\x2b\x3c\x4d\x00\x02\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x6c\x6f\x63\x61";

    #[test]
    fn pptp() {
        assert!(
            matches(&tcp(46546, 1723, SCCRQ, SCCRP))
                && crate::offered(crate::PPTP, &tcp(46546, 1723, SCCRQ, SCCRP))
        );
        assert!(
            matches(&tcp(46546, 1723, SCCRQ, b""))
                && crate::offered(crate::PPTP, &tcp(46546, 1723, SCCRQ, b""))
        );
    }

    #[test]
    fn not_pptp() {
        // The reply where the request should be; no cookie; HTTP.
        assert!(!matches(&tcp(46546, 1723, SCCRP, SCCRQ)));
        let mut c = SCCRQ.to_vec();
        c[7] = 0;
        assert!(!matches(&tcp(46546, 1723, &c, b"")));
        assert!(!matches(&tcp(46546, 1723, b"GET / HTTP/1.1\r\n", b"")));
    }
}

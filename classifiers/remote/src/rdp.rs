//! RDP (MS-RDPBCGR §2.2.1.1 / §2.2.1.2): the connection opens with an
//! X.224 Connection Request (ITU-T X.224 §13.3, code 0xE0) in a TPKT
//! (RFC 1006 §6: version 3, reserved 0, a big-endian length covering the
//! whole packet); the server answers with a Connection Confirm (0xD0) in a
//! TPKT. The X.224 length indicator counts the TPDU header after itself, so
//! for the Class 0 CR/CC it equals the TPKT length minus 5. The port is not
//! needed: every field is checked.

use flowsieve_sdk::prelude::*;

const CR: u8 = 0xe0;
const CC: u8 = 0xd0;

/// TPKT header + X.224 TPDU of `code`, lengths consistent with each other
/// and with the first payload packet (a TPKT is never split by RDP clients;
/// a longer packet may carry more PDUs).
fn tpkt_x224(side: &Side, code: u8) -> bool {
    let p = &side.prefix;
    let Some(len) = be_u16(p, 2) else {
        return false;
    };
    p[0] == 3
        && p[1] == 0
        && len >= 11
        && u32::from(len) <= side.first_payload_len
        && p.get(4).is_some_and(|&li| u16::from(li) + 5 == len)
        && p.get(5).is_some_and(|&c| c & 0xf0 == code)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    tpkt_x224(&flow.client, CR) && (flow.server.prefix.is_empty() || tpkt_x224(&flow.server, CC))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // rdp.pcap, 172.16.2.185:52494 <-> 192.168.2.142:3389: CR with an RDP
    // Negotiation Request, CC with an RDP Negotiation Response.
    pub(crate) const CR: &[u8] = &[
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00,
        0x0b, 0x00, 0x00, 0x00,
    ];
    const CC: &[u8] = &[
        0x03, 0x00, 0x00, 0x13, 0x0e, 0xd0, 0x00, 0x00, 0x12, 0x34, 0x00, 0x02, 0x1f, 0x08, 0x00,
        0x08, 0x00, 0x00, 0x00,
    ];
    // rdp_over_tls.pcap: a CR with a routing cookie ("Cookie: mstshash=...").
    const CR_COOKIE: &[u8] = b"\x03\x00\x00\x2f\x2a\xe0\x00\x00\x00\x00\x00Cookie: mstshash=WDeployAd\r\n\x01\x00\x08\x00\x03\x00\x00\x00";

    #[test]
    fn rdp_connection() {
        assert!(matches(&tcp(52494, 3389, CR, CC)));
        assert!(matches(&tcp(35888, 3389, CR_COOKIE, b"")));
        // Any port.
        assert!(matches(&tcp(52494, 13389, CR, CC)));
    }

    #[test]
    fn not_rdp() {
        // The server's CC sent by the client; a length that disagrees with
        // the X.224 length indicator; a TLS answer to a CR.
        assert!(!matches(&tcp(52494, 3389, CC, CR)));
        let mut bad = CR.to_vec();
        bad[4] = 0x0d;
        assert!(!matches(&tcp(52494, 3389, &bad, b"")));
        assert!(!matches(&tcp(52494, 3389, CR, &[0x16, 3, 3, 0, 5, 2])));
    }
}

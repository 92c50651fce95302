//! CoAP (RFC 7252 §3 message format, RFC 8132 FETCH/PATCH): a 4-byte
//! header, version 1, type, token length 0–8, code and message id, then
//! the token and options (delta/length nibbles, 13 and 14 extended, 15
//! reserved except in the 0xFF payload marker). A request (CON or NON,
//! codes 0.01–0.07) is answered by a piggybacked ACK with the same message
//! id, a separate CON/NON response with the same token (class 2, 4 or 5),
//! or an empty ACK. Without an answer, only the registered CoAP ports
//! (5683, 5684) decide, as a tiebreak: the header is too short to tell
//! alone.

use crate::{Verdict, COAP};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    (1..=7u8)
        .map(|code| client(&[0x40, code]).masked(&[0xe0, 0xff]))
        .collect()
}

/// Token length and whether the options after the token parse up to the
/// end of the datagram (or of the prefix the host passed).
fn well_formed(p: &[u8], size: usize) -> Option<usize> {
    let tkl = usize::from(*p.first()? & 0x0f);
    if p[0] >> 6 != 1 || tkl > 8 || size < 4 + tkl {
        return None;
    }
    let mut at = 4 + tkl;
    let end = size.min(p.len());
    while at < end {
        let b = p[at];
        if b == 0xff {
            // A payload marker must be followed by a payload.
            return (at + 1 < size).then_some(tkl);
        }
        let (delta, len) = (b >> 4, b & 0x0f);
        if delta == 15 || len == 15 {
            return None;
        }
        let ext = |n: u8| match n {
            13 => 1usize,
            14 => 2,
            _ => 0,
        };
        let mut skip = 1 + ext(delta) + ext(len);
        let mut value_len = usize::from(len);
        if len == 13 {
            value_len = 13 + usize::from(*p.get(at + 1 + ext(delta))?);
        } else if len == 14 {
            value_len = 269 + usize::from(be_u16(p, at + 1 + ext(delta))?);
        }
        skip += value_len;
        at += skip;
    }
    (at <= size || end < size).then_some(tkl)
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let Some(tkl) = well_formed(c, size(&flow.client)) else {
        return Verdict::No;
    };
    if c[0] & 0x20 != 0 || !(1..=7).contains(&c[1]) {
        return Verdict::No;
    }
    if s.is_empty() {
        return if flow.port_in(&[5683, 5684]) {
            Verdict::Yes(COAP)
        } else {
            Verdict::No
        };
    }
    let Some(stkl) = well_formed(s, size(&flow.server)) else {
        return Verdict::No;
    };
    let kind = s[0] >> 4 & 3;
    let code = s[1];
    let same_id = s.get(2..4) == c.get(2..4);
    let same_token = stkl == tkl && s.get(4..4 + tkl) == c.get(4..4 + tkl);
    let ok = match kind {
        // ACK: piggybacked response or empty.
        2 => {
            same_id && ((code == 0 && stkl == 0) || (same_token && matches!(code >> 5, 2 | 4 | 5)))
        }
        // RST to the request.
        3 => same_id && code == 0,
        _ => same_token && matches!(code >> 5, 2 | 4 | 5),
    };
    if ok {
        Verdict::Yes(COAP)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/coap.pcap (tests/tools/record/messaging.sh):
    // aiocoap GET /hello, 127.0.0.1:36145 -> :15683, and the server's
    // piggybacked 2.05 Content.
    const GET: &[u8] = b"B\x01\x02\xcd\x93o\xb5hello";
    const CONTENT: &[u8] = b"bE\x02\xcd\x93o\xffhello";

    #[test]
    fn get_and_piggybacked_response() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &udp(36145, 15683, GET, CONTENT),
            COAP,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &udp(36145, 5683, GET, b""),
            COAP,
        );
    }

    #[test]
    fn not_coap() {
        // One-way off the CoAP ports; a response to another message id; a
        // DNS query (dns.pcap) whose first byte has version bits 01.
        assert_eq!(classify(&udp(36145, 15683, GET, b"")), Verdict::No);
        let mut other = CONTENT.to_vec();
        other[3] ^= 1;
        assert_eq!(classify(&udp(36145, 15683, GET, &other)), Verdict::No);
        let dns = b"\x4f\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x06google\x03com\x00\x00\x01\x00\x01";
        assert_eq!(classify(&udp(36145, 53, dns, b"")), Verdict::No);
    }
}

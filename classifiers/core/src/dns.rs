//! DNS (RFC 1035 §4.1.1 header, §4.2.1 UDP, §4.2.2 TCP with a 2-byte length
//! prefix; RFC 7766). A query: QR=0, opcode QUERY/STATUS/NOTIFY/UPDATE
//! (RFC 1996, 2136), the Z bit clear, RCODE 0, exactly one question. A
//! response: QR=1, the query's ID and opcode. Both directions agreeing is
//! enough on any port; a lone query needs port 53. mDNS (5353) and LLMNR
//! (5355) share the format but are different protocols: not matched here.

use crate::{Verdict, DNS, DNS_TCP};
use flowsieve_sdk::prelude::*;

/// Header (12 bytes) plus the smallest question (root name, type, class).
const MIN_QUERY: usize = 12 + 5;

fn opcode(h: &[u8]) -> u8 {
    (h[2] >> 3) & 0x0f
}

fn query(h: &[u8]) -> bool {
    h.len() >= MIN_QUERY
        && h[2] & 0x80 == 0
        && matches!(opcode(h), 0 | 2 | 4 | 5)
        && h[3] & 0x40 == 0
        && h[3] & 0x0f == 0
        && be_u16(h, 4) == Some(1)
}

/// A query header at `at` (0 over UDP, 2 after the TCP length): QR clear,
/// the Z bit and RCODE clear, one question.
pub(crate) fn query_lead(at: u16) -> Lead {
    client(&[0, 0, 0, 1])
        .masked(&[0x80, 0x4f, 0xff, 0xff])
        .at(at + 2)
}

/// A response header at `at` (the query was not seen): QR set, the Z bit
/// clear, one question.
pub(crate) fn response_lead(at: u16) -> Lead {
    either(&[0x80, 0, 0, 1])
        .masked(&[0x80, 0x40, 0xff, 0xff])
        .at(at + 2)
}

/// A response to a query of the shape [`query`] accepts: QR set, the Z bit
/// clear, one question (any RCODE).
fn response(h: &[u8]) -> bool {
    h.len() >= MIN_QUERY
        && h[2] & 0x80 != 0
        && matches!(opcode(h), 0 | 2 | 4 | 5)
        && h[3] & 0x40 == 0
        && be_u16(h, 4) == Some(1)
}

fn answers(q: &[u8], r: &[u8]) -> bool {
    r.len() >= 12 && r[2] & 0x80 != 0 && r[..2] == q[..2] && opcode(r) == opcode(q)
}

fn judge(q: &[u8], r: &[u8], flow: &FlowView, rule: u32) -> Verdict {
    if flow.port_in(&[5353, 5355]) || !query(q) {
        return Verdict::No;
    }
    if answers(q, r) || (r.is_empty() && flow.server_port == 53) {
        Verdict::Yes(rule)
    } else if r.is_empty() {
        Verdict::Maybe
    } else {
        Verdict::No
    }
}

pub(crate) fn classify_udp(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    // Only the response was seen (the query went another way, or before the
    // capture): a response sent from port 53, whichever side the host took
    // for the client.
    let lone = |p: &[u8], other: &[u8], port: u16| other.is_empty() && port == 53 && response(p);
    if !flow.port_in(&[5353, 5355])
        && (lone(c, s, flow.client_port) || lone(s, c, flow.server_port))
    {
        return Verdict::Yes(DNS);
    }
    judge(c, s, flow, DNS)
}

/// Strips the TCP length prefix; the first segment's length must agree with
/// it when the message came in one segment.
fn unframe(side: &Side) -> Option<&[u8]> {
    let p = &side.prefix;
    let len = be_u16(p, 0)?;
    let one_segment = side.first_payload_len == u32::from(len) + 2;
    let length_only = side.first_payload_len == 2;
    (one_segment || length_only).then(|| &p[2..])
}

pub(crate) fn classify_tcp(flow: &FlowView) -> Verdict {
    let Some(q) = unframe(&flow.client) else {
        return Verdict::No;
    };
    let r = if flow.server.prefix.is_empty() {
        &[][..]
    } else {
        match unframe(&flow.server) {
            Some(r) if !r.is_empty() => r,
            _ => return Verdict::No,
        }
    };
    judge(q, r, flow, DNS_TCP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    // "example.com A IN", ID 0xbeef, RD set.
    const Q: &[u8] =
        b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
    const R: &[u8] =
        b"\xbe\xef\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";

    fn framed(m: &[u8]) -> Vec<u8> {
        let mut v = (m.len() as u16).to_be_bytes().to_vec();
        v.extend_from_slice(m);
        v
    }

    #[test]
    fn udp_dns() {
        assert_eq!(classify_udp(&udp(40000, 53, Q, R)), Verdict::Yes(DNS));
        assert_eq!(classify_udp(&udp(40000, 5300, Q, R)), Verdict::Yes(DNS));
        assert_eq!(classify_udp(&udp(40000, 53, Q, b"")), Verdict::Yes(DNS));
        assert_eq!(classify_udp(&udp(40000, 5300, Q, b"")), Verdict::Maybe);
        assert_eq!(classify_udp(&udp(5353, 5353, Q, R)), Verdict::No);
        let mut other_id = R.to_vec();
        other_id[0] = 0;
        assert_eq!(classify_udp(&udp(40000, 53, Q, &other_id)), Verdict::No);
    }

    /// fuzz-2006-06-26-2594.pcap: 192.168.1.1:53 -> 192.168.1.2:2723, a response whose query
    /// is not in the capture.
    #[test]
    fn a_lone_response_from_port_53() {
        let r = b"\x41\xd6\x80\x00\x00\x01\x00\x01\x00\x00\x00\x00\x01\x31\x01\x30\x01\x30\x03\x31\x32\x37\x07in-addr\x04arpa\x00";
        assert_eq!(classify_udp(&udp(53, 2723, r, b"")), Verdict::Yes(DNS));
        assert_eq!(classify_udp(&udp(2723, 53, b"", r)), Verdict::Yes(DNS));
        assert_eq!(
            classify_udp(&udp(2723, 5300, r, b"")),
            Verdict::No,
            "not from port 53"
        );
        assert_ne!(
            classify_udp(&udp(53, 2723, Q, b"")),
            Verdict::Yes(DNS),
            "a query from port 53, alone, is not a response"
        );
    }

    #[test]
    fn tcp_dns() {
        let (q, r) = (framed(Q), framed(R));
        assert_eq!(classify_tcp(&tcp(40000, 53, &q, &r)), Verdict::Yes(DNS_TCP));
        assert_eq!(
            classify_tcp(&tcp(40000, 53, &q, b"")),
            Verdict::Yes(DNS_TCP)
        );
        assert_eq!(classify_tcp(&tcp(40000, 53, Q, R)), Verdict::No);
    }
}

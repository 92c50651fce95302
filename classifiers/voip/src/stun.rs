//! STUN (RFC 8489 §5, formerly RFC 5389 §6): a 20-byte header, the message
//! type with its two top bits zero, a message length that counts the
//! attributes after the header (a multiple of 4), the magic cookie
//! 0x2112A442 and a 96-bit transaction ID that the response repeats. Over
//! UDP the length is the datagram's minus 20. Over TCP, messages are sent as
//! is (RFC 8489 §6.2.2), or framed by a 2-byte length (RFC 4571, as ICE-TCP
//! does, RFC 6544 §3). The classic RFC 3489 STUN, without the cookie, is
//! not matched.

use flowsieve_sdk::prelude::*;

const COOKIE: u32 = 0x2112_a442;

/// A STUN header at the start of `p`; `size`: the bytes of its datagram or
/// segment (`None`: unknown). Returns the transaction ID.
fn header(p: &[u8], size: Option<usize>) -> Option<&[u8]> {
    let kind = be_u16(p, 0)?;
    let len = usize::from(be_u16(p, 2)?);
    let ok = kind & 0xc000 == 0
        && len.is_multiple_of(4)
        && be_u32(p, 4) == Some(COOKIE)
        && size.is_none_or(|n| n == 20 + len);
    if ok {
        p.get(8..20)
    } else {
        None
    }
}

/// A STUN header at `at`: the two top bits of the type clear, the magic
/// cookie (RFC 5389 §6).
pub(crate) fn lead(at: u16) -> Lead {
    let cookie = COOKIE.to_be_bytes();
    let value = [0, 0, 0, 0, cookie[0], cookie[1], cookie[2], cookie[3]];
    either(&value)
        .masked(&[0xc0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        .at(at)
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

/// Both directions STUN with the same transaction ID, or one direction alone.
fn pair(c: Option<&[u8]>, c_empty: bool, s: Option<&[u8]>, s_empty: bool) -> bool {
    match (c_empty, s_empty) {
        (false, false) => c.is_some() && c == s,
        (false, true) => c.is_some(),
        (true, false) => s.is_some(),
        (true, true) => false,
    }
}

pub(crate) fn matches_udp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    pair(
        header(&c.prefix, Some(size(c))),
        c.prefix.is_empty(),
        header(&s.prefix, Some(size(s))),
        s.prefix.is_empty(),
    )
}

/// Over TCP a segment may hold part of a message or several: the header's
/// length is checked against a framing length when there is one.
fn tcp_message(p: &[u8]) -> Option<&[u8]> {
    header(p, None).or_else(|| {
        let frame = usize::from(be_u16(p, 0)?);
        let inner = p.get(2..)?;
        let id = header(inner, None)?;
        (usize::from(be_u16(inner, 2)?) + 20 == frame).then_some(id)
    })
}

pub(crate) fn matches_tcp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    pair(tcp_message(c), c.is_empty(), tcp_message(s), s.is_empty())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    // stun.pcap, 192.168.12.169:43016 <-> 74.125.247.128:3478: a Binding
    // request and its success response (same transaction ID).
    pub(crate) const REQUEST: &[u8] =
        b"\x00\x01\x00\x00\x21\x12\xa4\x42\x53\x48\x6b\x68\x46\x38\x6f\x64\x77\x67\x79\x56";
    pub(crate) const RESPONSE: &[u8] = b"\x01\x01\x00\x0c\x21\x12\xa4\x42\x53\x48\x6b\x68\x46\x38\x6f\x64\x77\x67\x79\x56\x00\x20\x00\x08\x00\x01\x7d\x52\x7c\x3d\x45\xa3";
    // stun.pcap, 10.77.110.51:41588 -> 10.206.50.239:42000: RFC 4571 framing.
    const FRAMED: &[u8] = b"\x00\x68\x00\x01\x00\x54\x21\x12\xa4\x42\xf3\x43\x94\x53\xb6\x98\xfb\x29\x50\xbb\x06\xed\x00\x06\x00\x09";

    #[test]
    fn stun() {
        assert!(matches_udp(&udp(43016, 3478, REQUEST, RESPONSE)));
        assert!(matches_udp(&udp(43016, 13478, REQUEST, b"")));
        assert!(matches_tcp(&tcp(37257, 3478, REQUEST, RESPONSE)));
        assert!(matches_tcp(&tcp(41588, 42000, FRAMED, b"")));
    }

    #[test]
    fn not_stun() {
        // Another transaction's response; a length that disagrees with the
        // datagram; no magic cookie (classic STUN or noise).
        let mut other = RESPONSE.to_vec();
        other[19] ^= 1;
        assert!(!matches_udp(&udp(43016, 3478, REQUEST, &other)));
        assert!(!matches_udp(&udp(43016, 3478, &RESPONSE[..28], b"")));
        let mut classic = REQUEST.to_vec();
        classic[4] = 0;
        assert!(!matches_udp(&udp(43016, 3478, &classic, b"")));
        assert!(!matches_tcp(&tcp(43016, 3478, &classic, b"")));
    }
}

//! WireGuard (the protocol paper, §5.4, and wireguard.com/protocol): every
//! message starts with a one-byte type and three reserved zero bytes, then
//! little-endian 32-bit session indexes. Handshake initiation (type 1) is
//! exactly 148 bytes with the initiator's sender index at offset 4; the
//! response (type 2) is exactly 92 bytes and carries that index as its
//! receiver index at offset 8. Transport data (type 4) is the receiver
//! index, a 64-bit little-endian counter and the AEAD ciphertext: a
//! 16-byte-padded payload plus a 16-byte tag, so its length is 16 + 16k,
//! k ≥ 1 (a keepalive is 32). A flow joined after the handshake is
//! WireGuard when both directions send data messages; one direction alone
//! needs the registered port 51820 as the tiebreak.

use flowsieve_sdk::prelude::*;

const INITIATION_LEN: usize = 148;
const RESPONSE_LEN: usize = 92;

fn header(p: &[u8], kind: u8) -> bool {
    p.get(..4) == Some(&[kind, 0, 0, 0])
}

/// `p`: first bytes; `size`: the datagram's length.
fn data(p: &[u8], size: usize) -> bool {
    header(p, 4)
        && size >= 32
        && size.is_multiple_of(16)
        // The counter starts at 0 and is far below 2^48 in practice.
        && p.get(14..16) == Some(&[0, 0])
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let (cs, ss) = (size(&flow.client), size(&flow.server));
    let initiation = |p: &[u8], n| header(p, 1) && n == INITIATION_LEN;
    let response =
        |p: &[u8], n, to: &[u8]| header(p, 2) && n == RESPONSE_LEN && p.get(8..12) == to.get(4..8);
    if initiation(c, cs) {
        return s.is_empty() || response(s, ss, c);
    }
    if initiation(s, ss) {
        return c.is_empty() || response(c, cs, s);
    }
    match (c.is_empty(), s.is_empty()) {
        (false, false) => data(c, cs) && data(s, ss),
        (false, true) => data(c, cs) && flow.port_in(&[51820]),
        (true, false) => data(s, ss) && flow.port_in(&[51820]),
        (true, true) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    /// wireguard.pcap, 10.9.0.1:43462 -> 10.9.0.2:51820: the initiation's
    /// first bytes (sender index d837d030), padded to its 148 bytes.
    pub(crate) fn initiation() -> Vec<u8> {
        let mut p = b"\x01\x00\x00\x00\xd8\x37\xd0\x30\x5f\xce\xc7\xc8\xe5\xc8\xe2\xe3".to_vec();
        p.resize(INITIATION_LEN, 0x5a);
        p
    }

    /// The response: sender 06f47dab, receiver d837d030, 92 bytes.
    pub(crate) fn response() -> Vec<u8> {
        let mut p = b"\x02\x00\x00\x00\x06\xf4\x7d\xab\xd8\x37\xd0\x30\xb1\x8d\x55\x50".to_vec();
        p.resize(RESPONSE_LEN, 0xa5);
        p
    }

    /// Data messages of 139.162.192.157:51820 <-> 192.168.0.14:36116, joined
    /// after the handshake (800 and 96 bytes).
    fn data_msg(head: &[u8], len: usize) -> Vec<u8> {
        let mut p = head.to_vec();
        p.resize(len, 0x33);
        p
    }

    #[test]
    fn handshake_and_data() {
        assert!(matches(&udp(43462, 51820, &initiation(), &response())));
        assert!(matches(&udp(43462, 51820, &initiation(), b"")));
        let s = data_msg(
            b"\x04\x00\x00\x00\xbe\x40\x69\x8d\x6b\x00\x00\x00\x00\x00\x00\x00",
            800,
        );
        let c = data_msg(
            b"\x04\x00\x00\x00\x6d\xa6\x61\x5e\x70\x00\x00\x00\x00\x00\x00\x00",
            96,
        );
        assert!(matches(&udp(36116, 51820, &c, &s)));
        assert!(matches(&udp(36116, 7777, &c, &s)));
        assert!(matches(&udp(36116, 51820, b"", &s)));
    }

    #[test]
    fn not_wireguard() {
        // A response naming another initiator; an initiation of the wrong size;
        // one-way data off the port; data of a length no AEAD gives.
        let mut other = response();
        other[8] ^= 1;
        assert!(!matches(&udp(43462, 51820, &initiation(), &other)));
        assert!(!matches(&udp(43462, 51820, &initiation()[..100], b"")));
        let d = data_msg(
            b"\x04\x00\x00\x00\x6d\xa6\x61\x5e\x70\x00\x00\x00\x00\x00\x00\x00",
            96,
        );
        assert!(!matches(&udp(36116, 7777, &d, b"")));
        let odd = data_msg(&d[..16], 97);
        assert!(!matches(&udp(36116, 51820, &odd, &d)));
    }
}

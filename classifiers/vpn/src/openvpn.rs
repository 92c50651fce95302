//! OpenVPN (the protocol as documented in OpenVPN's `ssl_pkt.h`/`ssl.c`
//! and the IETF draft "The OpenVPN Protocol", draft-openvpn-protocol):
//! a control packet is one byte `opcode << 3 | key_id`, the sender's 8-byte
//! session id, then, with `--tls-auth`, an HMAC (16 to 64 bytes), a 4-byte
//! replay packet id and a 4-byte time; then the ACK array (a count byte,
//! that many 4-byte packet ids and, when the count is non-zero, the peer's
//! session id) and the message's 4-byte packet id. A session starts with
//! P_CONTROL_HARD_RESET_CLIENT_V1/V2/V3 (opcode 1/7/10, key 0, no ACK,
//! message id 0) answered by P_CONTROL_HARD_RESET_SERVER_V1/V2 (opcode
//! 2/8) that ACKs message 0 and echoes the client's session id. Over UDP
//! each packet is a datagram; over TCP each is preceded by a 2-byte length.
//!
//! Matched: the client's reset and the server's reset echoing its session
//! id (any HMAC size); or, under `--tls-crypt` where the rest is encrypted,
//! a V2/V3 client reset answered by a server reset, of the sizes that
//! framing gives; or one direction alone with the exact layout of a reset.

use flowsieve_sdk::prelude::*;

const CLIENT_V1: u8 = 1;
const SERVER_V1: u8 = 2;
const CLIENT_V2: u8 = 7;
const SERVER_V2: u8 = 8;
const CLIENT_V3: u8 = 10;
/// `--tls-auth` HMAC sizes: MD5, SHA1, SHA224, SHA256, SHA384, SHA512.
const HMACS: [usize; 6] = [16, 20, 28, 32, 48, 64];
/// Bytes of a client reset without tls-auth: op, session id, ACK count, message id.
const CLIENT_RESET: usize = 1 + 8 + 1 + 4;
/// A server reset adds one ACK: packet id 0 and the client's session id.
const SERVER_RESET: usize = CLIENT_RESET + 4 + 8;
/// `--tls-crypt`: packet id + time, a 32-byte tag, then the encrypted rest.
const TLS_CRYPT: usize = 8 + 32;

/// First byte of a hard reset (key id 0), at `at` (0 over UDP, 2 over TCP).
pub(crate) fn leads(at: u16) -> Vec<Lead> {
    [CLIENT_V1, SERVER_V1, CLIENT_V2, SERVER_V2, CLIENT_V3]
        .map(|op| either(&[op << 3]).at(at))
        .to_vec()
}

fn op(p: &[u8]) -> Option<u8> {
    p.first().filter(|b| *b & 7 == 0).map(|b| b >> 3)
}

/// The size of the tls-auth block in a client reset of `len` bytes: 0 or 8 + an HMAC size.
fn auth_sizes(len: usize, base: usize) -> impl Iterator<Item = usize> {
    core::iter::once(0)
        .chain(HMACS.iter().map(|h| h + 8))
        .filter(move |a| base + a == len)
}

/// A plain or tls-auth client reset: returns its session id.
fn client_reset(p: &[u8], len: usize) -> Option<&[u8]> {
    if !matches!(op(p)?, CLIENT_V1 | CLIENT_V2) {
        return None;
    }
    let a = auth_sizes(len, CLIENT_RESET).next()?;
    // No ACKs, message packet id 0.
    (p.get(9 + a..CLIENT_RESET + a)? == [0, 0, 0, 0, 0]).then(|| &p[1..9])
}

/// A plain or tls-auth server reset: returns the session id it ACKs.
fn server_reset(p: &[u8], len: usize) -> Option<&[u8]> {
    if !matches!(op(p)?, SERVER_V1 | SERVER_V2) {
        return None;
    }
    let a = auth_sizes(len, SERVER_RESET).next()?;
    let ack = p.get(9 + a..)?;
    // One ACK of packet id 0, the peer's session id, message packet id 0.
    (ack.get(..5)? == [1, 0, 0, 0, 0] && ack.get(13..17)? == [0, 0, 0, 0]).then(|| &ack[5..13])
}

/// tls-crypt resets: only the opcodes and the sizes are visible.
fn crypt_pair(c: &[u8], cl: usize, s: &[u8], sl: usize) -> bool {
    let client = match op(c) {
        Some(CLIENT_V2) => cl == 1 + 8 + TLS_CRYPT + 5,
        // V3 appends the wrapped client key (WKc) after the wrapped packet.
        Some(CLIENT_V3) => cl > 1 + 8 + TLS_CRYPT + 5,
        _ => false,
    };
    client && op(s) == Some(SERVER_V2) && sl == 1 + 8 + TLS_CRYPT + 17
}

fn judge(c: &[u8], cl: usize, s: &[u8], sl: usize) -> bool {
    match (c.is_empty(), s.is_empty()) {
        (false, false) => {
            matches!((client_reset(c, cl), server_reset(s, sl)), (Some(a), Some(b)) if a == b)
                || crypt_pair(c, cl, s, sl)
        }
        (false, true) => client_reset(c, cl).is_some(),
        (true, false) => server_reset(s, sl).is_some(),
        (true, true) => false,
    }
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

pub(crate) fn matches_udp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    judge(&c.prefix, size(c), &s.prefix, size(s))
}

/// Over TCP: the packet after its 2-byte length, and that length.
fn unframe(side: &Side) -> (&[u8], usize) {
    match be_u16(&side.prefix, 0) {
        Some(len) => (&side.prefix[2..], usize::from(len)),
        None => (&[][..], 0),
    }
}

pub(crate) fn matches_tcp(flow: &FlowView) -> bool {
    let ((c, cl), (s, sl)) = (unframe(&flow.client), unframe(&flow.server));
    if flow.client.prefix.len() == 1 || flow.server.prefix.len() == 1 {
        return false;
    }
    judge(c, cl, s, sl)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    // openvpn.pcap, 3.111.166.78:51146 -> 85.134.13.165:1194 (UDP): the
    // V2 client reset and the server reset echoing session 39fded2daa10a437.
    pub(crate) const CLIENT: &[u8] = b"\x38\x39\xfd\xed\x2d\xaa\x10\xa4\x37\x00\x00\x00\x00\x00";
    pub(crate) const SERVER: &[u8] = b"\x40\x94\x21\x91\x7d\xe7\x26\x77\x29\x01\x00\x00\x00\x00\x39\xfd\xed\x2d\xaa\x10\xa4\x37\x00\x00\x00\x00";
    // openvpn.pcap, 192.168.43.12:41507 -> 139.59.151.137:13680 (UDP,
    // tls-auth with SHA1: 42 and 54 bytes).
    const AUTH_CLIENT: &[u8] = b"\x38\xb0\x2c\xcf\xf1\xb5\xf0\x17\x4f\xc0\x91\x66\x6e\x3b\x12\x4b\xad\xa3\x91\x73\x31\x7b\x93\x97\x22\xd1\xfe\x63\xbe\x00\x00\x00\x01\x57\xa1\xc1\x5f\x00\x00\x00\x00\x00";
    const AUTH_SERVER: &[u8] = b"\x40\xf7\x7f\xc2\xef\xdb\xe2\x3f\x57\xde\xc4\xc8\xd5\x65\x4d\x07\x23\xbf\x8c\x0b\xe5\x41\x38\x56\x32\x70\xcf\xae\x13\x00\x00\x00\x01\x57\xa1\xc1\x5f\x01\x00\x00\x00\x00\xb0\x2c\xcf\xf1\xb5\xf0\x17\x4f\x00\x00\x00\x00";
    // openvpn.pcap, 10.181.235.122:39772 -> 10.251.71.30:1194 (TCP).
    const TCP_CLIENT: &[u8] = b"\x00\x0e\x38\x50\x7a\x28\xa7\x82\x75\x78\x8d\x00\x00\x00\x00\x00";
    const TCP_SERVER: &[u8] = b"\x00\x1a\x40\x9a\xd7\x47\xbe\xb2\x4d\x8a\x1b\x01\x00\x00\x00\x00\x50\x7a\x28\xa7\x82\x75\x78\x8d\x00\x00\x00\x00";

    #[test]
    fn openvpn() {
        assert!(
            matches_udp(&udp(51146, 1194, CLIENT, SERVER))
                && crate::offered(crate::OPENVPN_UDP, &udp(51146, 1194, CLIENT, SERVER))
        );
        assert!(
            matches_udp(&udp(41507, 13680, AUTH_CLIENT, AUTH_SERVER))
                && crate::offered(
                    crate::OPENVPN_UDP,
                    &udp(41507, 13680, AUTH_CLIENT, AUTH_SERVER)
                )
        );
        assert!(
            matches_tcp(&tcp(39772, 1194, TCP_CLIENT, TCP_SERVER))
                && crate::offered(crate::OPENVPN, &tcp(39772, 1194, TCP_CLIENT, TCP_SERVER))
        );
        // openvpn.pcap has both halves of 60201 <-> 443 as one-way flows.
        assert!(
            matches_udp(&udp(60201, 443, CLIENT, b""))
                && crate::offered(crate::OPENVPN_UDP, &udp(60201, 443, CLIENT, b""))
        );
        assert!(
            matches_udp(&udp(443, 60201, b"", SERVER))
                && crate::offered(crate::OPENVPN_UDP, &udp(443, 60201, b"", SERVER))
        );
    }

    #[test]
    fn not_openvpn() {
        // A server reset ACKing another session; a client reset whose size
        // fits no HMAC; WireGuard's initiation header; a TLS ClientHello.
        let mut other = SERVER.to_vec();
        other[14] ^= 1;
        assert!(!matches_udp(&udp(51146, 1194, CLIENT, &other)));
        let mut long = AUTH_CLIENT.to_vec();
        long.insert(20, 0);
        assert!(!matches_udp(&udp(41507, 13680, &long, b"")));
        assert!(!matches_udp(&udp(
            43462,
            51820,
            b"\x01\x00\x00\x00\xd8\x37\xd0\x30\x5f\xce\xc7\xc8\xe5\xc8",
            b""
        )));
        assert!(!matches_tcp(&tcp(
            40000,
            443,
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
            b""
        )));
        assert!(!matches_tcp(&tcp(39772, 1194, CLIENT, SERVER)));
    }
}

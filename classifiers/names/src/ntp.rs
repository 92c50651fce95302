//! NTP (RFC 5905 §7.3; RFC 1305 for v3, RFC 1119 for v2): the first byte is
//! LI (2 bits), VN (3 bits, 1–4) and Mode (3 bits). Modes 1–5 carry the
//! 48-byte header, optionally followed by extension fields and a MAC
//! (key id + digest, RFC 5905 §7.3: 48 + 4 + 16 or 20 bytes), so the
//! datagram is at least 48 bytes and a multiple of 4; modes 6 (control,
//! RFC 9327) and 7 (ntpd's private mode) have a 12- and 8-byte header.
//! A single datagram like that is only NTP on port 123 (port as the
//! tiebreak); elsewhere the client (mode 3) and server (mode 4) packets must
//! agree: same version, and the server's Origin Timestamp (offset 24) is the
//! client's Transmit Timestamp (offset 40) (§8, the "bogus" check).

use crate::all_datagrams;
use flowsieve_sdk::prelude::*;

/// The client's first byte: version 1–4, mode 3 (client).
pub(crate) fn client_leads() -> Vec<Lead> {
    (1..=4u8)
        .map(|v| client(&[v << 3 | 3]).masked(&[0x3f]))
        .collect()
}

fn version(p: &[u8]) -> u8 {
    (p[0] >> 3) & 7
}

fn mode(p: &[u8]) -> u8 {
    p[0] & 7
}

/// `p`: the datagram's first bytes; `size`: its whole length.
fn header(p: &[u8], size: usize) -> bool {
    let Some(&first) = p.first() else {
        return false;
    };
    if !(1..=4).contains(&((first >> 3) & 7)) {
        return false;
    }
    match first & 7 {
        1..=5 => size >= 48 && size.is_multiple_of(4) && p.get(1).is_some_and(|&s| s <= 16),
        6 => size >= 12 && p.get(1).is_some_and(|&op| op & 0x1f != 0),
        7 => size >= 8,
        _ => false,
    }
}

/// Any NTP datagram on port 123.
pub(crate) fn on_port(flow: &FlowView) -> bool {
    flow.port_in(&[123]) && all_datagrams(flow, header)
}

/// Elsewhere: a client request (mode 3) answered by a server (mode 4) of the
/// same version that echoes the request's transmit timestamp.
pub(crate) fn exchange(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    header(c, c.len())
        && header(s, s.len())
        && mode(c) == 3
        && mode(s) == 4
        && version(c) == version(s)
        && c.get(40..48)
            .is_some_and(|t| t != [0; 8] && s.get(24..32) == Some(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn matches(flow: &FlowView) -> bool {
        on_port(flow) || exchange(flow)
    }

    // NTPv4.pcap: 85.22.62.120:123 -> 78.46.76.11:123, a v4 server packet.
    const V4: &[u8] = b"\x23\x02\x07\xeb\x00\x00\x04\x50\x00\x00\x03\xab\x83\xbc\x03\xdf\xd9\x4f\x51\xc3\x31\x65\xb8\x60\xd9\x44\x57\x55\x30\x33\x6f\xd0\xd9\x44\x57\x55\x31\xb4\xe9\x78\xd9\x4f\x51\xf4\x2d\x26\xe2\xf4";

    fn client_for(server: &[u8]) -> Vec<u8> {
        let mut c = vec![0u8; 48];
        c[0] = 0x23; // v4, mode 3
        c[40..48].copy_from_slice(&server[24..32]);
        c
    }

    #[test]
    fn ntp() {
        assert_eq!(V4.len(), 48);
        assert!(matches(&udp(123, 123, V4, b"")));
        assert!(matches(&udp(40000, 123, b"", V4)));
        // NTPv2.pcap: 208.104.95.10:123 -> :80, mode 7 (private), v2.
        let mut v2 = vec![0x97, 0x0e, 0x03, 0x2a, 0x00, 0x05, 0x00, 0x48];
        v2.resize(440, 0);
        assert!(matches(&udp(80, 123, b"", &v2)));
        // Off port 123: the exchange has to agree.
        let mut server = V4.to_vec();
        server[0] = 0x24; // v4, mode 4
        assert!(matches(&udp(40000, 10123, &client_for(&server), &server)));
    }

    #[test]
    fn not_ntp() {
        let mut server = V4.to_vec();
        server[0] = 0x24;
        let mut client = client_for(&server);
        client[47] ^= 1;
        assert!(!matches(&udp(40000, 10123, &client, &server)));
        // A lone 48-byte datagram off port 123; version 0 on port 123; DNS.
        assert!(!matches(&udp(40000, 10123, V4, b"")));
        let mut v0 = V4.to_vec();
        v0[0] = 0x03;
        assert!(!matches(&udp(40000, 123, &v0, b"")));
        assert!(!matches(&udp(40000, 123, b"\xbe\xef\x01\x00\x00\x01", b"")));
    }
}

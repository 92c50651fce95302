//! SNMP (RFC 3416 / RFC 1157 / RFC 3412 §6, BER per X.690): a message is a
//! SEQUENCE (0x30) whose length covers the datagram, then the INTEGER
//! version (0 = v1, 1 = v2c, 3 = v3). v1/v2c go on with the OCTET STRING
//! community and a PDU, context tags [0]–[8] (0xA0–0xA8); v3 with the
//! msgGlobalData SEQUENCE. Every length is checked, so the port is not
//! needed.

use crate::all_datagrams;
use flowsieve_sdk::prelude::*;

/// A BER definite length at `at`: (value length, header bytes after tag).
fn length(p: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *p.get(at)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 2 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*p.get(at + 1 + i)?);
    }
    Some((len, 1 + n))
}

/// `p`: the datagram's first bytes; `size`: its whole length.
fn message(p: &[u8], size: usize) -> bool {
    if p.first() != Some(&0x30) {
        return false;
    }
    let Some((total, hl)) = length(p, 1) else {
        return false;
    };
    let mut at = 1 + hl;
    // The SEQUENCE is the whole datagram.
    if at + total != size {
        return false;
    }
    if p.get(at..at + 2) != Some(&[0x02, 0x01]) {
        return false;
    }
    let version = p.get(at + 2).copied();
    at += 3;
    match version {
        Some(0 | 1) => {
            if p.get(at) != Some(&0x04) {
                return false;
            }
            let Some((clen, chl)) = length(p, at + 1) else {
                return false;
            };
            at += 1 + chl + clen;
            let Some(&tag) = p.get(at) else {
                return false;
            };
            (0xa0..=0xa8).contains(&tag)
                && length(p, at + 1).is_some_and(|(plen, phl)| at + 1 + phl + plen == size)
        }
        Some(3) => p.get(at) == Some(&0x30),
        _ => false,
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    all_datagrams(flow, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // snmp.pcap, 176.211.60.43:43015 <-> 97.0.115.163:161: v1 GetNextRequest
    // and its GetResponse.
    const REQ: &[u8] = b"\x30\x29\x02\x01\x00\x04\x06public\xa1\x1c\x02\x04\x4b\x78\x1a\x6e\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x05\x00\x05\x00";
    const RESP: &[u8] = b"\x30\x37\x02\x01\x00\x04\x06public\xa2\x2a\x02\x04\x4b\x78\x1a\x6e\x02\x01\x00\x02\x01\x00\x30\x1c\x30\x1a\x06\x08\x2b\x06\x01\x02\x01\x01\x06\x00\x04\x0e\x47\x6c\x6f\x62\x6f\x6d\x61\x6e\x74\x69\x63\x73\x48\x51";

    #[test]
    fn snmp_v1() {
        assert!(matches(&udp(43015, 161, REQ, RESP)));
        assert!(matches(&udp(43015, 1161, REQ, b"")));
    }

    #[test]
    fn snmp_v3_longer_than_the_prefix() {
        // snmp.pcap, 10.99.8.88:43242 -> 10.100.253.146:161: a 262-byte v3
        // message of which the host passes the first bytes only.
        let head = b"\x30\x82\x01\x02\x02\x01\x03\x30\x0d\x02\x01\x25\x02\x02\x05\xdc\x04\x01\x03\x02\x01\x03";
        let mut f = udp(43242, 161, head, b"");
        f.client.first_payload_len = 262;
        assert!(matches(&f));
        f.client.first_payload_len = 263;
        assert!(!matches(&f));
    }

    #[test]
    fn not_snmp() {
        // Truncated (the SEQUENCE length disagrees), version 2, not BER.
        assert!(!matches(&udp(43015, 161, &REQ[..REQ.len() - 1], b"")));
        let mut v = REQ.to_vec();
        v[4] = 2;
        assert!(!matches(&udp(43015, 161, &v, b"")));
        assert!(!matches(&udp(43015, 161, REQ, b"HTTP/1.1 200 OK\r\n")));
    }
}

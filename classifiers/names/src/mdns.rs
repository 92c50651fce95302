//! mDNS (RFC 6762 §18): DNS messages (RFC 1035 §4.1.1) on UDP port 5353
//! (the manifest's port hint: the port is what separates mDNS from DNS).
//! The payload must still be a DNS message: opcode 0 (§18.3), the counts
//! non-zero and small enough for the datagram, every query a question.

use crate::all_datagrams;
use flowsieve_sdk::prelude::*;

fn message(p: &[u8], size: usize) -> bool {
    let count = |at| be_u16(p, at).map_or(0, usize::from);
    let records = count(4) + count(6) + count(8) + count(10);
    p.len() >= 12 + 5
        && (p[2] >> 3) & 0x0f == 0
        && records > 0
        // Every record takes at least 5 bytes (a compressed name is 2).
        && records * 5 <= size - 12
        && (p[2] & 0x80 != 0 || count(4) > 0)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    if !flow.port_in(&[5353]) {
        return false;
    }
    all_datagrams(flow, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // android.pcap, 192.168.2.1:5353 -> 224.0.0.251:5353: a PTR question.
    const QUERY: &[u8] = b"\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x10_spotify-connect\x04_tcp\x05local\x00\x00\x0c\x00\x01";

    #[test]
    fn mdns() {
        assert!(matches(&udp(5353, 5353, QUERY, b"")));
    }

    #[test]
    fn not_mdns() {
        assert!(!matches(&udp(40000, 53, QUERY, b"")));
        assert!(!matches(&udp(5353, 5353, &QUERY[..12], b"")));
        assert!(!matches(&udp(
            5353,
            5353,
            b"M-SEARCH * HTTP/1.1\r\nHOST: x\r\n",
            b""
        )));
    }
}

//! DHCPv6 (RFC 8415 §8 client/server message format, §9 relay messages,
//! §21.1 options; §7.2 ports): a message is a msg-type (1–13), a 3-byte
//! transaction id and options, each a 2-byte code and a 2-byte length that
//! together fill the datagram exactly; relay messages (12, 13) carry a hop
//! count and two IPv6 addresses before their options. DHCPv6 runs between
//! UDP ports 546 and 547 only (the manifest's port hint), and the payload
//! must still parse.

use crate::all_datagrams;
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    (1..=13u8).map(|t| either(&[t])).collect()
}

fn message(p: &[u8], size: usize) -> bool {
    let Some(&kind) = p.first() else { return false };
    let mut at = match kind {
        1..=11 => 4,
        12 | 13 => 34,
        _ => return false,
    };
    let mut options = 0;
    while at < size {
        let Some(len) = be_u16(p, at + 2) else {
            // The prefix ends inside the options: what was seen parsed.
            return at >= p.len() && options > 0;
        };
        if be_u16(p, at) == Some(0) {
            return false;
        }
        at += 4 + usize::from(len);
        options += 1;
    }
    at == size && options > 0
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    flow.port_in(&[546, 547]) && all_datagrams(flow, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // android.pcap, [fe80::4e6a:f6ff:fe9f:f627]:546 -> [ff02::1:2]:547: a
    // SOLICIT (client id, IA_NA, elapsed time, option request).
    const SOLICIT: &[u8] = b"\x01\xd8\xe4\xfe\x00\x01\x00\x0e\x00\x01\x00\x01\x25\xe5\x14\x8e\x4c\x6a\xf6\x9f\xf6\x27\x00\x03\x00\x0c\x0e\x00\x08\xca\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x02\x00\x00\x00\x06\x00\x04\x00\x17\x00\x18";

    #[test]
    fn solicit() {
        crate::check(matches, &udp(546, 547, SOLICIT, b""), crate::DHCPV6);
    }

    #[test]
    fn not_dhcpv6() {
        // One byte short (the options overrun), off the DHCPv6 ports, and an
        // NTP packet on 547.
        assert!(!matches(&udp(546, 547, &SOLICIT[..SOLICIT.len() - 1], b"")));
        assert!(!matches(&udp(40000, 53, SOLICIT, b"")));
        // NTPv4.pcap, 123 -> 123.
        let ntp = b"#\x02\x07\xeb\x00\x00\x04P\x00\x00\x03\xab\x83\xbc\x03\xdf\xd9OQ\xc31e\xb8`\xd9DWU03o\xd0\xd9DWU1\xb4\xe9x\xd9OQ\xf4-&\xe2\xf4";
        assert!(!matches(&udp(546, 547, ntp, b"")));
    }
}

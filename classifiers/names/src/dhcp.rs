//! DHCP (RFC 2131 §2, §3; BOOTP RFC 951): op 1 (BOOTREQUEST) or 2
//! (BOOTREPLY), a hardware address length of at most 16, hops well under
//! the relay limit, and the options field opening with the magic cookie
//! 99.130.83.99 at offset 236 (RFC 2131 §3, RFC 1497). The cookie decides,
//! not the port.

use crate::all_datagrams;
use flowsieve_sdk::prelude::*;

const COOKIE: &[u8] = &[0x63, 0x82, 0x53, 0x63];

fn message(p: &[u8]) -> bool {
    p.len() >= 240 && matches!(p[0], 1 | 2) && p[2] <= 16 && p[3] <= 16 && p[236..240] == *COOKIE
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    all_datagrams(flow, |p, _| message(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    /// android.pcap, 0.0.0.0:68 -> 255.255.255.255:67: a DHCPDISCOVER.
    fn discover() -> Vec<u8> {
        let mut p = vec![0u8; 236];
        p[..12].copy_from_slice(b"\x01\x01\x06\x00\x78\x54\x47\x0b\x00\x00\x00\x00");
        p[28..34].copy_from_slice(b"\xd8\x30\x62\x56\x00\x1c");
        p.extend_from_slice(b"\x63\x82\x53\x63\x35\x01\x01\x37\x0a\x01\x79\x03\x06\x0f\x77\xfc\x5f\x2c\x2e\x39\x02\x05\xdc\x3d\x07\x01\xd8\x30\x62\x56\x00\x1c\x33\x04\x00\x76\xa7\x00\x0c\x0a\x4c\x75\x63\x61\x73\x2d\x69\x4d\x61\x63\xff");
        p
    }

    #[test]
    fn dhcp() {
        assert!(matches(&udp(68, 67, &discover(), b"")));
        assert!(matches(&udp(40068, 40067, &discover(), b"")));
    }

    #[test]
    fn not_dhcp() {
        let mut bad = discover();
        bad[236] = 0;
        assert!(!matches(&udp(68, 67, &bad, b"")));
        assert!(!matches(&udp(68, 67, &discover()[..200], b"")));
        assert!(!matches(&udp(68, 67, b"", b"")));
    }
}

//! SSDP (UPnP Device Architecture 2.0 §1, draft-cai-ssdp-v1): HTTP-formatted
//! requests over UDP, `M-SEARCH * HTTP/1.1` (discovery) and
//! `NOTIFY * HTTP/1.1` (announcements), with the `*` request target; answers
//! are `HTTP/1.1 200 OK` unicast back from the device.

use flowsieve_sdk::prelude::*;

fn request(p: &[u8]) -> bool {
    (p.starts_with(b"M-SEARCH * HTTP/1.") || p.starts_with(b"NOTIFY * HTTP/1."))
        && p.iter().take(40).any(|&b| b == b'\n')
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    (request(c) && (s.is_empty() || s.starts_with(b"HTTP/1."))) || (c.is_empty() && request(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // netflix.pcap, a discovery to 239.255.255.250:1900.
    const SEARCH: &[u8] = b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 2\r\nST: urn:mdx-netflix-com:service:target:0\r\n\r\n";

    #[test]
    fn ssdp() {
        assert!(matches(&udp(60538, 1900, SEARCH, b"")));
        assert!(matches(&udp(60538, 1900, SEARCH, b"HTTP/1.1 200 OK\r\n")));
    }

    #[test]
    fn not_ssdp() {
        assert!(!matches(&udp(60538, 1900, b"GET / HTTP/1.1\r\n", b"")));
        assert!(!matches(&udp(60538, 1900, SEARCH, b"\x00\x01\x02")));
    }
}

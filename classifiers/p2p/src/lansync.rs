//! Dropbox LAN Sync discovery (`db-lsp-disc`, IANA UDP port 17500 "Dropbox
//! LanSync Discovery"): each Dropbox client broadcasts a JSON object every
//! 30 s, `{"version": [2, 0], "port": <LAN sync TCP port>, "host_int":
//! <host id>, "displayname": "…", "namespaces": […]}`, keys in that order.
//! Spotify's LAN discovery (UDP 57621, "SpotUdp") broadcasts a datagram
//! that starts with the ASCII tag `SpotUdp0`.

use flowsieve_sdk::prelude::*;

pub(crate) const LANSYNC: &[u8] = b"{\"version\": [";
pub(crate) const SPOTIFY: &[u8] = b"SpotUdp0";

fn announcement(p: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(LANSYNC) else {
        return false;
    };
    let has = |key: &[u8]| rest.windows(key.len()).any(|w| w == key);
    has(b"], \"port\": ") && has(b", \"host_int\": ")
}

/// Announcements are broadcast: nothing comes back on the same flow.
pub(crate) fn matches_lansync(flow: &FlowView) -> bool {
    announcement(&flow.client.prefix) && flow.server.prefix.is_empty()
}

pub(crate) fn matches_spotify(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    c.starts_with(SPOTIFY) && (s.is_empty() || s.starts_with(SPOTIFY))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // android.pcap, 192.168.2.1:17500 -> 192.168.2.255:17500 (first 160 of
    // 510 bytes).
    const DROPBOX: &[u8] = b"{\"version\": [2, 0], \"port\": 17500, \"host_int\": 330402624013167112717714583297153688482, \"displayname\": \"\", \"namespaces\": [2750370560, 785266177, 1526263045";
    // android.pcap, 192.168.2.1:57621 -> 192.168.2.255:57621 (44 bytes).
    const SPOT: &[u8] = b"SpotUdp0\xdc\x15\x74\x28\x2e\x52\x62\x4c\x00\x01\x00\x04\x48\x95\xc2\x03\xa2\x41\xde\x20\x89\xb9\x78\xd8\x20\x56\x4b\xd5\x0c\x91\xc0\xe8\xa3\xe6\x0a\x78";

    #[test]
    fn broadcasts() {
        assert!(
            matches_lansync(&udp(17500, 17500, DROPBOX, b""))
                && crate::offered(crate::LANSYNC_UDP, &udp(17500, 17500, DROPBOX, b""))
        );
        assert!(
            matches_spotify(&udp(57621, 57621, SPOT, b""))
                && crate::offered(crate::SPOTIFY_BROADCAST, &udp(57621, 57621, SPOT, b""))
        );
    }

    #[test]
    fn not_broadcasts() {
        // Some other JSON; a JSON exchange both ways; SSDP; another tag.
        assert!(!matches_lansync(&udp(
            17500,
            17500,
            b"{\"version\": [1], \"id\": 3}",
            b""
        )));
        assert!(!matches_lansync(&udp(17500, 17500, DROPBOX, DROPBOX)));
        assert!(!matches_spotify(&udp(
            1900,
            1900,
            b"M-SEARCH * HTTP/1.1\r\n",
            b""
        )));
        assert!(!matches_spotify(&udp(57621, 57621, b"SpotUdp9\x00", b"")));
    }
}

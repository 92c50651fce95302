//! BitTorrent peer wire protocol over TCP (BEP 3, "peer protocol"): a
//! connection opens with a handshake from each peer: the byte 19 (the
//! length of the protocol string), `BitTorrent protocol`, 8 reserved bytes
//! (extension bits, BEP 4/10), the 20-byte info hash and a 20-byte peer id.
//! The initiator sends it first; the receiver answers with the same info
//! hash (BEP 3: "If the initiator's info hash does not match … the
//! recipient must drop the connection"). When both handshakes are in view
//! the hashes must agree; a capture that missed one side's handshake is
//! named by the other. The obfuscated variant (Message Stream Encryption)
//! has no fixed bytes and is not matched.

use flowsieve_sdk::prelude::*;

pub(crate) const HANDSHAKE: &[u8] = b"\x13BitTorrent protocol";

/// The info hash of a handshake, or `None` if `p` does not start one.
/// `Some(None)` when the handshake is cut before the hash.
fn handshake(p: &[u8]) -> Option<Option<&[u8]>> {
    p.starts_with(HANDSHAKE)
        .then(|| p.get(HANDSHAKE.len() + 8..HANDSHAKE.len() + 28))
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    match (
        handshake(&flow.client.prefix),
        handshake(&flow.server.prefix),
    ) {
        (Some(Some(a)), Some(Some(b))) => a == b,
        (Some(_), _) | (_, Some(_)) => true,
        (None, None) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    /// bittorrent.pcap, 192.168.1.3:52887 -> 82.57.97.83:53137: the
    /// initiator's handshake (reserved 0000000000100005, peer id -UM1860-).
    pub(crate) const CLIENT: &[u8] = b"\x13BitTorrent protocol\x00\x00\x00\x00\x00\x10\x00\x05\xdc\xfc\xdc\xcf\xb9\xe6\x70\xcc\xc3\xdd\x40\xc7\x8c\x16\x1f\x2b\xea\x24\x31\x26\x2d\x55\x4d\x31\x38\x36\x30\x2d\x41\x8e\x12\x4c\x70\x11\xd0\x2f";
    /// The answer, same info hash, peer id -UT3450-.
    pub(crate) const SERVER: &[u8] = b"\x13BitTorrent protocol\x00\x00\x00\x00\x00\x10\x00\x05\xdc\xfc\xdc\xcf\xb9\xe6\x70\xcc\xc3\xdd\x40\xc7\x8c\x16\x1f\x2b\xea\x24\x31\x26\x2d\x55\x54\x33\x34\x35\x30\x2d\xf0\xa2\xb9\xcd\xc7\x8a\xb4\x9e";

    #[test]
    fn bittorrent() {
        assert!(
            matches(&tcp(52887, 53137, CLIENT, SERVER))
                && crate::offered(crate::BITTORRENT, &tcp(52887, 53137, CLIENT, SERVER))
        );
        // bittorrent.pcap, 192.168.1.3:52888 -> 82.58.216.115:38305: the
        // server's handshake is not in the capture, its stream starts
        // mid-message ("4:ipv4…", an extended handshake).
        assert!(
            matches(&tcp(52888, 38305, CLIENT, b"4:ipv44:R\xd8s12:complete_ago"))
                && crate::offered(
                    crate::BITTORRENT,
                    &tcp(52888, 38305, CLIENT, b"4:ipv44:R\xd8s12:complete_ago")
                )
        );
    }

    #[test]
    fn not_bittorrent() {
        // An answer for another torrent; HTTP; a 0x13-led string that is not it.
        let mut other = SERVER.to_vec();
        other[30] ^= 1;
        assert!(!matches(&tcp(52887, 53137, CLIENT, &other)));
        assert!(!matches(&tcp(
            40000,
            6881,
            b"GET /announce?info_hash=",
            b"HTTP/1.1 200 OK\r\n"
        )));
        assert!(!matches(&tcp(40000, 6881, b"\x13BitTorrent protocoX", b"")));
    }
}

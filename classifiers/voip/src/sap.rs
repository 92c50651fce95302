//! SAP, the Session Announcement Protocol (RFC 2974 §3, §6): multicast
//! announcements of SDP sessions. The header: version 1 in the top three
//! bits, then the address type A (IPv4/IPv6 originating source), the
//! reserved bit R (0), message type T (announce/delete), the encrypted and
//! compressed bits; an authentication length in 32-bit words, a message id
//! hash and the originating source (4 or 16 bytes); after the
//! authentication data, an optional NUL-terminated payload type
//! (`application/sdp`) and the SDP session description, which starts with
//! `v=0` (RFC 8866 §5). Encrypted or compressed payloads are not matched.
//! Named `SAP_SDP` (libprotoident has no SAP, and `SAP` alone reads as the
//! ERP vendor's protocols).

use flowsieve_sdk::prelude::*;

pub(crate) fn lead() -> Lead {
    client(&[0x20]).masked(&[0xeb])
}

fn announcement(p: &[u8]) -> bool {
    let (Some(&b0), Some(&auth)) = (p.first(), p.get(1)) else {
        return false;
    };
    if b0 & 0xeb != 0x20 {
        return false;
    }
    let source = if b0 & 0x10 != 0 { 16 } else { 4 };
    let Some(mut payload) = p.get(4 + source + 4 * usize::from(auth)..) else {
        return false;
    };
    if let Some(sdp) = payload.strip_prefix(b"application/sdp\0") {
        payload = sdp;
    }
    payload.starts_with(b"v=0\r\n") || payload.starts_with(b"v=0\n")
}

/// Announcements flow one way (to a multicast group, or a listener).
pub(crate) fn matches(flow: &FlowView) -> bool {
    announcement(&flow.client.prefix) && flow.server.prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // sap.pcap (tests/tools/record/sap.sh): ffmpeg's SAP muxer
    // 127.0.0.1:46379 -> :9875, the start of its announcement.
    const ANNOUNCE: &[u8] = b"\x20\x00\x48\x5b\x7f\x00\x00\x01application/sdp\x00v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=No Name\r\n";

    #[test]
    fn sap() {
        assert!(
            matches(&udp(46379, 9875, ANNOUNCE, b""))
                && crate::offered(crate::SAP_SDP, &udp(46379, 9875, ANNOUNCE, b""))
        );
        // The payload type is optional.
        let bare = [&ANNOUNCE[..8], &ANNOUNCE[24..]].concat();
        assert!(
            matches(&udp(46379, 9875, &bare, b""))
                && crate::offered(crate::SAP_SDP, &udp(46379, 9875, &bare, b""))
        );
    }

    #[test]
    fn not_sap() {
        // Version 2; encrypted; an answer (SAP has none); no SDP.
        let mut v2 = ANNOUNCE.to_vec();
        v2[0] = 0x40;
        assert!(!matches(&udp(46379, 9875, &v2, b"")));
        let mut enc = ANNOUNCE.to_vec();
        enc[0] = 0x22;
        assert!(!matches(&udp(46379, 9875, &enc, b"")));
        assert!(!matches(&udp(46379, 9875, ANNOUNCE, ANNOUNCE)));
        assert!(!matches(&udp(
            46379,
            9875,
            b"\x20\x00\x48\x5b\x7f\x00\x00\x01hello",
            b""
        )));
    }
}

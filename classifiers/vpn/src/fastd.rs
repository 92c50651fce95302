//! fastd (fastd documentation, "Protocol" / handshake format; fastd
//! `handshake.h`): a handshake packet is the packet type 1, a reserved
//! zero byte, the big-endian length of the TLV records that follow (the
//! datagram's length minus 4), then records of a little-endian 16-bit type
//! and length; the first is the handshake type record (type 0, length 1:
//! 1 request, 2 reply, 3 finish). Data packets (type 2) are encrypted and
//! not matched.

use flowsieve_sdk::prelude::*;

pub(crate) fn lead() -> Lead {
    either(&[1, 0, 0, 0, 0, 0, 1, 0]).masked(&[0xff, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff])
}

/// A handshake packet filling its datagram: its handshake type.
fn handshake(side: &Side) -> Option<u8> {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let ok = p.get(..2)? == [1, 0]
        && usize::from(be_u16(p, 2)?) + 4 == size
        && p.get(4..8)? == [0, 0, 1, 0]
        && matches!(p.get(8)?, 1..=3);
    ok.then(|| p[8])
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    match (handshake(&flow.client), flow.server.prefix.is_empty()) {
        (Some(_), true) => true,
        (Some(_), false) => handshake(&flow.server).is_some(),
        (None, _) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8]) -> FlowView {
        let mut f = udp(15011, 15010, p, b"");
        f.client.first_payload_len = 152;
        f
    }

    // fastd.pcap (tests/tools/record/fastd.sh): fastd b 127.0.0.1:15011 ->
    // fastd a :15010, a handshake request (first 32 of 152 bytes: type,
    // mode, protocol records, version "v22"); a's own request the other way.
    const REQUEST: &[u8] = b"\x01\x00\x00\x94\x00\x00\x01\x00\x01\x03\x00\x01\x00\x01\x04\x00\x01\x00\x01\x0d\x00\x03\x00v22\x05\x00\x0e\x00ec";

    #[test]
    fn fastd() {
        assert!(matches(&sized(REQUEST)) && crate::offered(crate::FASTD, &sized(REQUEST)));
        let mut both = udp(15011, 15010, REQUEST, REQUEST);
        both.client.first_payload_len = 152;
        both.server.first_payload_len = 152;
        assert!(matches(&both) && crate::offered(crate::FASTD, &both));
    }

    #[test]
    fn not_fastd() {
        // A record length that disagrees with the datagram; handshake type
        // 9; a data packet (type 2).
        assert!(!matches(&udp(15011, 15010, REQUEST, b"")));
        let mut t = REQUEST.to_vec();
        t[8] = 9;
        assert!(!matches(&sized(&t)));
        let mut d = REQUEST.to_vec();
        d[0] = 2;
        assert!(!matches(&sized(&d)));
    }
}

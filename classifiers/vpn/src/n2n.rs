//! n2n, protocol version 1 (n2n 1.x `n2n.h`, `struct n2n_packet_header`,
//! as in Debian's n2n 1.3): every packet starts with the version (1), the
//! message type (1 REGISTER, 2 DEREGISTER, 3 PACKET, 4 REGISTER_ACK, 5
//! PROBE), a TTL, a sent-by-supernode flag (0 or 1) and the 16-byte
//! community name (NUL-terminated); the header is 87 bytes. An edge
//! registers with the supernode, which acknowledges in the same community.

use flowsieve_sdk::prelude::*;

const HEADER: usize = 87;

pub(crate) fn lead() -> Lead {
    either(&[1, 0, 0, 0]).masked(&[0xff, 0xf8, 0, 0xfe])
}

/// A v1 header in a datagram of its size: (message type, community).
fn header(side: &Side) -> Option<(u8, &[u8])> {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let field = p.get(4..20)?;
    let end = field.iter().position(|&b| b == 0)?;
    let community = &field[..end];
    let ok = size >= HEADER
        && p[0] == 1
        && (1..=5).contains(&p[1])
        && p[3] <= 1
        && !community.is_empty()
        && community.iter().all(|b| b.is_ascii_graphic());
    ok.then_some((p[1], community))
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let Some((kind, community)) = header(&flow.client) else {
        return false;
    };
    if flow.server.prefix.is_empty() {
        return kind == 1 && flow.client.prefix.len() == HEADER;
    }
    header(&flow.server).is_some_and(|(_, c)| c == community)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8]) -> Vec<u8> {
        let mut v = p.to_vec();
        v.resize(HEADER, 0);
        v
    }

    // n2n.pcap (tests/tools/record/n2n.sh): edge 127.0.0.1:55336 ->
    // supernode :17654, REGISTER and REGISTER_ACK (first 32 of 87 bytes;
    // the community buffer's tail is whatever was in memory).
    const REGISTER: &[u8] = b"\x01\x01\x00\x00flowsieve\x00\x83\xe7\x6c\x7f\x00\x00\xa2\xb2\x53\xc1\xf7\x8b\x00\x00\x00\x00\x00\x00";
    const ACK: &[u8] = b"\x01\x04\x00\x01flowsieve\x00\x83\xe7\x6c\x7f\x00\x00\x00\x00\x00\x00\x00\x00\xa2\xb2\x53\xc1\xf7\x8b";

    #[test]
    fn n2n() {
        assert!(
            matches(&udp(55336, 17654, &sized(REGISTER), &sized(ACK)))
                && crate::offered(
                    crate::N2N,
                    &udp(55336, 17654, &sized(REGISTER), &sized(ACK))
                )
        );
        assert!(
            matches(&udp(55336, 17654, &sized(REGISTER), b""))
                && crate::offered(crate::N2N, &udp(55336, 17654, &sized(REGISTER), b""))
        );
    }

    #[test]
    fn not_n2n() {
        // Another community answers; no NUL in the community; a short
        // datagram; WireGuard's initiation (type 1, three zeros).
        let mut other = sized(ACK);
        other[4] = b'g';
        assert!(!matches(&udp(55336, 17654, &sized(REGISTER), &other)));
        let mut open = sized(REGISTER);
        open[4..20].fill(b'a');
        assert!(!matches(&udp(55336, 17654, &open, b"")));
        assert!(!matches(&udp(55336, 17654, REGISTER, b"")));
        let wg = b"\x01\x00\x00\x00\xd8\x37\xd0\x30\x5f\xce\xc7\xc8\xe5\xc8\xe2\xe3";
        assert!(!matches(&udp(43462, 51820, &sized(wg), b"")));
    }
}

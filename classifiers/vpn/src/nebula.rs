//! Nebula (slackhq/nebula, `header/header.go` and the handshake manager,
//! `handshake_ix.go`): every packet starts with a 16-byte header, version
//! (1) in the high nibble and message type in the low nibble of byte 0
//! (0 handshake), a subtype (0: Noise IX with PSK0), two reserved zero
//! bytes, the receiver's 32-bit index and a 64-bit message counter. The
//! initiator's first handshake packet has remote index 0 and counter 1;
//! the responder's answer, counter 2 and the initiator's index.

use flowsieve_sdk::prelude::*;

const HANDSHAKE: [u8; 4] = [0x10, 0, 0, 0];

pub(crate) fn lead() -> Lead {
    either(&HANDSHAKE)
}

/// A handshake header: (remote index, counter).
fn handshake(p: &[u8]) -> Option<(u32, u64)> {
    if p.len() <= 16 || p[..4] != HANDSHAKE {
        return None;
    }
    let counter = u64::from(be_u32(p, 8)?) << 32 | u64::from(be_u32(p, 12)?);
    Some((be_u32(p, 4)?, counter))
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let Some(first) = handshake(&flow.client.prefix) else {
        return false;
    };
    if first != (0, 1) {
        return false;
    }
    let s = &flow.server.prefix;
    s.is_empty() || handshake(s).is_some_and(|(index, counter)| index != 0 && counter == 2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // nebula.pcap (tests/tools/record/nebula.sh): node 127.0.0.1:14243 ->
    // lighthouse :14242, handshake stage 1 and stage 2 (first 24 bytes of
    // 233 and 277).
    const STAGE1: &[u8] = b"\x10\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x10\x69\xf0\xc2\xee\xd2\x67\xdc";
    const STAGE2: &[u8] = b"\x10\x00\x00\x00\xdd\x3d\x86\x76\x00\x00\x00\x00\x00\x00\x00\x02\x29\xdb\xd8\x6c\xf7\xc1\x6e\x03";

    #[test]
    fn nebula() {
        assert!(
            matches(&udp(14243, 14242, STAGE1, STAGE2))
                && crate::offered(crate::NEBULA, &udp(14243, 14242, STAGE1, STAGE2))
        );
        assert!(
            matches(&udp(14243, 4242, STAGE1, b""))
                && crate::offered(crate::NEBULA, &udp(14243, 4242, STAGE1, b""))
        );
    }

    #[test]
    fn not_nebula() {
        // A stage 2 answered by another stage 1; a lighthouse message (type
        // 3) first; WireGuard's initiation.
        assert!(!matches(&udp(14243, 14242, STAGE1, STAGE1)));
        let mut lh = STAGE1.to_vec();
        lh[0] = 0x13;
        assert!(!matches(&udp(14243, 14242, &lh, b"")));
        let wg = b"\x01\x00\x00\x00\xd8\x37\xd0\x30\x5f\xce\xc7\xc8\xe5\xc8\xe2\xe3\x00";
        assert!(!matches(&udp(43462, 51820, wg, b"")));
    }
}

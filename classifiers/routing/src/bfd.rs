//! BFD, Bidirectional Forwarding Detection (RFC 5880 §4.1 control packet;
//! over UDP ports 3784 single-hop, RFC 5881, and 4784 multihop, RFC 5883,
//! from a source port of the sender's choice, so each direction is a flow
//! of its own): version 1, a diagnostic 0–8, the session state, the flags
//! (the multipoint bit M must be zero), a non-zero detect multiplier, a
//! length (24, more with authentication) equal to the datagram's, the
//! sender's non-zero discriminator and the peer's (zero until the sender
//! has heard from the peer, i.e. in the Down and AdminDown states).

use flowsieve_sdk::prelude::*;

/// Version 1, M clear.
pub(crate) fn lead() -> Lead {
    either(&[0x20, 0x00]).masked(&[0xe0, 0x01])
}

fn control(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let (Some(&b0), Some(&b1), Some(&mult), Some(&len)) = (p.first(), p.get(1), p.get(2), p.get(3))
    else {
        return false;
    };
    let (Some(mine), Some(yours)) = (be_u32(p, 4), be_u32(p, 8)) else {
        return false;
    };
    let state = b1 >> 6;
    let auth = b1 & 0x04 != 0;
    b0 >> 5 == 1
        && b0 & 0x1f <= 8
        && b1 & 0x01 == 0
        && mult != 0
        && usize::from(len) == size
        && (len == 24 || (auth && len > 24))
        && mine != 0
        // Init and Up answer a peer: its discriminator is known.
        && (state <= 1 || yours != 0)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, false) => control(c) && control(s),
        (false, true) => control(c),
        (true, false) => control(s),
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // bfd.pcap (tests/tools/record/bfd.sh): BIRD 127.0.0.2:35182 -> BIRD
    // 127.0.0.1:4784 (multihop), its first control packet: state Down,
    // detect multiplier 5, discriminator 89a3ce91, TX 1 s, RX 200 ms.
    const DOWN: &[u8] = b"\x20\x40\x05\x18\x89\xa3\xce\x91\x00\x00\x00\x00\x00\x0f\x42\x40\x00\x03\x0d\x40\x00\x00\x00\x00";

    #[test]
    fn bfd() {
        assert!(
            matches(&udp(35182, 4784, DOWN, b""))
                && crate::offered(crate::BFD, &udp(35182, 4784, DOWN, b""))
        );
    }

    #[test]
    fn not_bfd() {
        // Up without the peer's discriminator; a length that is not the
        // datagram's; version 0; the multipoint bit.
        let mut up = DOWN.to_vec();
        up[1] = 0xc0;
        assert!(!matches(&udp(35182, 4784, &up, b"")));
        let mut long = DOWN.to_vec();
        long.push(0);
        assert!(!matches(&udp(35182, 4784, &long, b"")));
        let mut v0 = DOWN.to_vec();
        v0[0] = 0x00;
        assert!(!matches(&udp(35182, 4784, &v0, b"")));
        let mut m = DOWN.to_vec();
        m[1] |= 1;
        assert!(!matches(&udp(35182, 4784, &m, b"")));
    }
}

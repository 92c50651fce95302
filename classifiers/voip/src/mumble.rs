//! Mumble's UDP ping (the Mumble protocol documentation, "UDP ping" for
//! server lists; murmur's `Server::udpActivated`): a client sends 12 bytes,
//! four zero bytes (request type 0) and an 8-byte identifier; the server
//! answers with 24 bytes, its version (`00 major minor patch`), the same
//! identifier, the users connected, the maximum users and the allowed
//! bandwidth, all big-endian. The voice channel itself is encrypted (OCB2)
//! and not matched; a lone request is too little evidence.

use flowsieve_sdk::prelude::*;

const REQUEST: usize = 12;
const RESPONSE: usize = 24;

pub(crate) fn lead() -> Lead {
    client(&[0, 0, 0, 0])
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if size(&flow.client) != REQUEST || size(&flow.server) != RESPONSE {
        return false;
    }
    let (Some(users), Some(max)) = (be_u32(s, 12), be_u32(s, 16)) else {
        return false;
    };
    c.get(..4) == Some(&[0, 0, 0, 0])
        && s.first() == Some(&0)
        && s.get(1).is_some_and(|&major| major >= 1)
        && s.get(4..12) == c.get(4..12)
        && users <= max
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // mumble.pcap (tests/tools/record/mumble.sh): quakestat
    // 127.0.0.1:43047 -> murmurd :16464, the ping (ident 0102…08) and the
    // answer: version 1.3.4, 0 of 1000 users, 72000 bit/s.
    const PING: &[u8] = b"\x00\x00\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08";
    const PONG: &[u8] = b"\x00\x01\x03\x04\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x00\x00\x00\x03\xe8\x00\x01\x19\x40";

    #[test]
    fn mumble() {
        assert!(
            matches(&udp(43047, 16464, PING, PONG))
                && crate::offered(crate::MUMBLE, &udp(43047, 16464, PING, PONG))
        );
        assert!(
            matches(&udp(43047, 64738, PING, PONG))
                && crate::offered(crate::MUMBLE, &udp(43047, 64738, PING, PONG))
        );
    }

    #[test]
    fn not_mumble() {
        // Another identifier echoed; the request alone; more users than the
        // maximum; a STUN binding request/response pair.
        let mut other = PONG.to_vec();
        other[11] ^= 1;
        assert!(!matches(&udp(43047, 64738, PING, &other)));
        assert!(!matches(&udp(43047, 64738, PING, b"")));
        let mut full = PONG.to_vec();
        full[15] = 0xff;
        full[14] = 0xff;
        assert!(!matches(&udp(43047, 64738, PING, &full)));
        let stun = b"\x00\x01\x00\x00\x21\x12\xa4\x42\x53\x48\x6b\x68";
        assert!(!matches(&udp(43016, 3478, stun, PONG)));
    }
}

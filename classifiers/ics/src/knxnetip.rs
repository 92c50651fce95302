//! KNXnet/IP (ISO/IEC 14543-3, KNX Standard 3.8.2 "Core", §2 Frame format):
//! every frame starts with a header of length 6, the protocol version 0x10,
//! a 2-byte service type and the total length of the frame, which over UDP
//! is the datagram's. Service families: core 0x02xx (SEARCH … DISCONNECT,
//! 0x0201–0x020C), device management 0x031x, tunnelling 0x042x, routing
//! 0x053x, remote logging/configuration 0x06xx–0x07xx, object server
//! 0x08xx, security 0x095x.

use flowsieve_sdk::prelude::*;

pub(crate) fn lead() -> Lead {
    either(&[0x06, 0x10])
}

fn known_service(t: u16) -> bool {
    matches!(t, 0x0201..=0x020c | 0x0310 | 0x0311 | 0x0420 | 0x0421 | 0x0530..=0x0532 | 0x0600..=0x08ff | 0x0950..=0x0956)
}

fn frame(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    p.get(..2) == Some(&[0x06, 0x10])
        && be_u16(p, 2).is_some_and(known_service)
        && be_u16(p, 4).is_some_and(|n| usize::from(n) == size)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, false) => frame(c) && frame(s),
        (false, true) => frame(c),
        (true, false) => frame(s),
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // knxnetip.pcap (tests/tools/record/knxnetip.sh): xknx
    // 127.0.0.1:57215 -> knxd :3671, CONNECT_REQUEST (tunnel) and
    // CONNECT_RESPONSE.
    const CONNECT: &[u8] = b"\x06\x10\x02\x05\x00\x1a\x08\x01\x7f\x00\x00\x01\xdf\x7f\x08\x01\x7f\x00\x00\x01\xdf\x7f\x04\x04\x02\x00";
    const CONNECTED: &[u8] =
        b"\x06\x10\x02\x06\x00\x14\x01\x00\x08\x01\x7f\x00\x00\x01\x0e\x57\x04\x04\x11\xfb";

    #[test]
    fn knxnetip() {
        assert!(
            matches(&udp(57215, 3671, CONNECT, CONNECTED))
                && crate::offered(crate::KNXNET_IP, &udp(57215, 3671, CONNECT, CONNECTED))
        );
        assert!(
            matches(&udp(57215, 3671, CONNECT, b""))
                && crate::offered(crate::KNXNET_IP, &udp(57215, 3671, CONNECT, b""))
        );
    }

    #[test]
    fn not_knxnetip() {
        // A total length that disagrees with the datagram; an unknown
        // service; a bare 0x0610 that is the start of something else.
        assert!(!matches(&udp(57215, 3671, &CONNECT[..20], b"")));
        let mut other = CONNECT.to_vec();
        other[2] = 0x0f;
        assert!(!matches(&udp(57215, 3671, &other, b"")));
        assert!(!matches(&udp(57215, 3671, b"\x06\x10hello", b"")));
    }
}

//! Modbus/TCP (Modbus Messaging on TCP/IP Implementation Guide V1.0b §3.1.3,
//! Modbus Application Protocol V1.1b3 §4.1, §6): each ADU is the 7-byte MBAP
//! header (transaction id, protocol id 0, a length counting the unit id and
//! the PDU, the unit id) then the PDU's function code (1–127; a response
//! sets bit 7 for an exception). The server answers with the request's
//! transaction id, unit id and function code. The length must agree with the
//! segment when the ADU came alone. A lone request needs port 502. Modbus
//! over UDP carries the same ADU, one per datagram, whose length must then
//! be exactly the datagram's.

use flowsieve_sdk::prelude::*;

/// Protocol id 0 and the high byte of a length below 256 (an ADU is at most 260 bytes).
pub(crate) fn lead() -> Lead {
    either(&[0, 0, 0]).at(2)
}

/// Public function codes (Application Protocol §5.1, §6).
fn known_function(f: u8) -> bool {
    matches!(f, 1..=8 | 11 | 12 | 15..=17 | 20..=24 | 43)
}

/// An ADU at the start of `side`: (transaction id, unit, function).
fn adu(side: &Side) -> Option<(u16, u8, u8)> {
    let p = &side.prefix;
    let len = usize::from(be_u16(p, 4)?);
    let first = side.first_payload_len as usize;
    let ok = be_u16(p, 2)? == 0 && (2..=254).contains(&len) && (first == 0 || first >= 6 + len);
    ok.then(|| Some((be_u16(p, 0)?, *p.get(6)?, *p.get(7)?)))
        .flatten()
}

/// Over UDP: each datagram is exactly one ADU.
pub(crate) fn matches_udp(flow: &FlowView) -> bool {
    let exact = |side: &Side| {
        be_u16(&side.prefix, 4).is_some_and(|n| {
            usize::from(n) + 6 == (side.first_payload_len as usize).max(side.prefix.len())
        })
    };
    exact(&flow.client) && (flow.server.prefix.is_empty() || exact(&flow.server)) && matches(flow)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let request = adu(&flow.client).filter(|a| known_function(a.2));
    match (request, flow.server.prefix.is_empty()) {
        (Some(q), false) => {
            adu(&flow.server).is_some_and(|r| r.0 == q.0 && r.1 == q.1 && r.2 & 0x7f == q.2)
        }
        (Some(_), true) => flow.server_port == 502,
        (None, _) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // modbus.pcap (tests/tools/record/modbus.sh): pymodbus client
    // 127.0.0.1:38860 -> pymodbus server :15020, Read Holding Registers and
    // its response.
    pub(crate) const READ: &[u8] = b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x01\x00\x04";
    pub(crate) const REPLY: &[u8] =
        b"\x00\x01\x00\x00\x00\x0b\x01\x03\x08\x00\x07\x00\x07\x00\x07\x00\x07";

    #[test]
    fn modbus() {
        assert!(
            matches(&tcp(38860, 15020, READ, REPLY))
                && crate::offered(crate::MODBUS, &tcp(38860, 15020, READ, REPLY))
        );
        assert!(
            matches(&tcp(38860, 502, READ, b""))
                && crate::offered(crate::MODBUS, &tcp(38860, 502, READ, b""))
        );
        let mut exception = b"\x00\x01\x00\x00\x00\x03\x01\x83\x02".to_vec();
        assert!(
            matches(&tcp(38860, 15020, READ, &exception))
                && crate::offered(crate::MODBUS, &tcp(38860, 15020, READ, &exception))
        );
        exception[0] = 9;
        assert!(!matches(&tcp(38860, 15020, READ, &exception)));
    }

    #[test]
    fn modbus_udp() {
        use flowsieve_sdk::testing::udp;
        // modbus.pcap, pymodbus over UDP, 127.0.0.1:41115 -> :15020: the
        // same request and response as over TCP.
        assert!(
            matches_udp(&udp(41115, 15020, READ, REPLY))
                && crate::offered(crate::MODBUS_UDP, &udp(41115, 15020, READ, REPLY))
        );
        assert!(!matches_udp(&udp(41115, 15020, &READ[..11], REPLY)));
        let mut two = REPLY.to_vec();
        two.extend_from_slice(REPLY);
        assert!(!matches_udp(&udp(41115, 15020, READ, &two)));
    }

    #[test]
    fn not_modbus() {
        // Another function answered; a lone request off port 502; the TPKT
        // of s7comm.pcap (03 00 00 16, protocol id 0x0016).
        let mut other = REPLY.to_vec();
        other[7] = 4;
        assert!(!matches(&tcp(38860, 15020, READ, &other)));
        assert!(!matches(&tcp(38860, 15020, READ, b"")));
        let cr = b"\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x01\xc0\x01\x0a";
        assert!(!matches(&tcp(38586, 102, cr, b"")));
    }
}

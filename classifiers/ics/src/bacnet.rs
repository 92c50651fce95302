//! BACnet/IP (ANSI/ASHRAE 135, Annex J.2): every datagram starts with the
//! BACnet Virtual Link Control header, type 0x81, a function (0x00 Result …
//! 0x0B Original-Broadcast-NPDU, 0x0C Secure-BVLL) and a 2-byte length of
//! the whole BVLL message, which is the datagram's. Functions that carry an
//! NPDU (0x04 Forwarded-NPDU after a 6-byte B/IP address, 0x09
//! Distribute-Broadcast-To-Network, 0x0A Original-Unicast, 0x0B
//! Original-Broadcast) are followed by the NPDU's protocol version, 0x01
//! (Clause 6.2.1).

use flowsieve_sdk::prelude::*;

/// BVLC type 0x81 and a function below 0x10.
pub(crate) fn lead() -> Lead {
    either(&[0x81, 0x00]).masked(&[0xff, 0xf0])
}

fn bvll(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let (Some(&function), Some(len)) = (p.get(1), be_u16(p, 2)) else {
        return false;
    };
    let npdu = match function {
        0x04 => 10,
        0x09..=0x0b => 4,
        0x00..=0x08 | 0x0c => 0,
        _ => return false,
    };
    p[0] == 0x81 && usize::from(len) == size && (npdu == 0 || p.get(npdu) == Some(&1))
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    match (c.prefix.is_empty(), s.prefix.is_empty()) {
        (false, false) => bvll(c) && bvll(s),
        (false, true) => bvll(c),
        (true, false) => bvll(s),
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // bacnet.pcap (tests/tools/record/bacnet.sh): bacpypes3 device 998
    // 127.0.0.1:47809 -> device 999 :47808, ReadProperty (device,999
    // object-name) and the ComplexACK ("Excelsior"); 998's Who-Is broadcast.
    const READ: &[u8] = b"\x81\x0a\x00\x11\x01\x04\x02\x44\x00\x0c\x0c\x02\x00\x03\xe7\x19\x4d";
    const ACK: &[u8] = b"\x81\x0a\x00\x1e\x01\x00\x30\x00\x0c\x0c\x02\x00\x03\xe7\x19\x4d\x3e\x75\x0a\x00\x45\x78\x63\x65\x6c\x73\x69\x6f\x72\x3f";
    const WHO_IS: &[u8] = b"\x81\x0b\x00\x0c\x01\x20\xff\xff\x00\xff\x10\x08";

    #[test]
    fn bacnet() {
        assert!(
            matches(&udp(47809, 47808, READ, ACK))
                && crate::offered(crate::BACNET, &udp(47809, 47808, READ, ACK))
        );
        assert!(
            matches(&udp(47809, 47809, WHO_IS, b""))
                && crate::offered(crate::BACNET, &udp(47809, 47809, WHO_IS, b""))
        );
    }

    #[test]
    fn not_bacnet() {
        // A length that disagrees with the datagram; an NPDU of version 2;
        // the sip.pcap RTCP sender report (0x80 0xc8).
        assert!(!matches(&udp(47809, 47808, &READ[..16], b"")));
        let mut v2 = WHO_IS.to_vec();
        v2[4] = 2;
        assert!(!matches(&udp(47809, 47809, &v2, b"")));
        let rtcp = b"\x80\xc8\x00\x06\x37\x96\xcb\x71\x42\xc9\x07\xca\x5e\xfa\xc6\x03";
        assert!(!matches(&udp(30001, 40393, rtcp, b"")));
    }
}

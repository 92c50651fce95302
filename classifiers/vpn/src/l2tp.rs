//! L2TP version 2 (RFC 2661 §3.1, §4.1, §5.1): the header starts with the
//! flags T, L, x, x, S, x, O, P and the version (2). A control message has
//! T, L and S set and O, P clear, then the length of the whole message (over
//! UDP, the datagram), tunnel and session ids and Ns/Nr, and its first AVP
//! must be Message Type (mandatory bit, length 8, vendor 0, attribute 0).
//! A tunnel opens with SCCRQ (type 1) on tunnel 0, session 0, Ns 0, Nr 0,
//! answered by SCCRP (2) or StopCCN (4) acknowledging it (Nr 1).

use flowsieve_sdk::prelude::*;

const SCCRQ: u16 = 1;

/// A control message header: T, L, S set, O, P clear, version 2.
pub(crate) fn lead() -> Lead {
    either(&[0xc8, 0x02]).masked(&[0xcb, 0x0f])
}

/// A control message filling its datagram: (tunnel id, Ns, Nr, message type).
fn control(side: &Side) -> Option<(u16, u16, u16, u16)> {
    let p = &side.prefix;
    let len = (side.first_payload_len as usize).max(p.len());
    let ok = p.first()? & 0xcb == 0xc8
        && p.get(1)? & 0x0f == 2
        && usize::from(be_u16(p, 2)?) == len
        // Message Type AVP: M bit, length 8, vendor 0, attribute 0.
        && p.get(12..18)? == [0x80, 0x08, 0, 0, 0, 0];
    ok.then(|| Some((be_u16(p, 4)?, be_u16(p, 8)?, be_u16(p, 10)?, be_u16(p, 18)?)))
        .flatten()
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (control(&flow.client), control(&flow.server));
    let sccrq = |m: (u16, u16, u16, u16)| m == (0, 0, 0, SCCRQ);
    match (flow.client.prefix.is_empty(), flow.server.prefix.is_empty()) {
        (false, false) => match (c, s) {
            (Some(q), Some(r)) if sccrq(q) => matches!(r, (_, 0, 1, 2 | 4)),
            (Some(_), Some(_)) => true,
            _ => false,
        },
        (false, true) => c.is_some_and(sccrq),
        (true, false) => false,
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8]) -> Vec<u8> {
        let mut v = p.to_vec();
        v.resize(99, 0);
        v
    }

    // l2tp.pcap (tests/tools/record/l2tp.sh): xl2tpd LAC 127.0.0.1:1702 ->
    // xl2tpd LNS :1701, SCCRQ and SCCRP (first 32 of 99 bytes each).
    const SCCRQ_MSG: &[u8] = b"\xc8\x02\x00\x63\x00\x00\x00\x00\x00\x00\x00\x00\x80\x08\x00\x00\x00\x00\x00\x01\x80\x08\x00\x00\x00\x02\x01\x00\x80\x0a\x00\x00";
    const SCCRP_MSG: &[u8] = b"\xc8\x02\x00\x63\x41\x5a\x00\x00\x00\x00\x00\x01\x80\x08\x00\x00\x00\x00\x00\x02\x80\x08\x00\x00\x00\x02\x01\x00\x80\x0a\x00\x00";

    #[test]
    fn l2tp() {
        assert!(
            matches(&udp(1702, 1701, &sized(SCCRQ_MSG), &sized(SCCRP_MSG)))
                && crate::offered(
                    crate::L2TP,
                    &udp(1702, 1701, &sized(SCCRQ_MSG), &sized(SCCRP_MSG))
                )
        );
        assert!(
            matches(&udp(1702, 1701, &sized(SCCRQ_MSG), b""))
                && crate::offered(crate::L2TP, &udp(1702, 1701, &sized(SCCRQ_MSG), b""))
        );
    }

    #[test]
    fn not_l2tp() {
        // A length that disagrees with the datagram; an answer that does not
        // acknowledge the SCCRQ; the same bytes as a data message (T clear).
        assert!(!matches(&udp(1702, 1701, SCCRQ_MSG, b"")));
        let mut r = sized(SCCRP_MSG);
        r[11] = 0;
        assert!(!matches(&udp(1702, 1701, &sized(SCCRQ_MSG), &r)));
        let mut data = sized(SCCRQ_MSG);
        data[0] = 0x48;
        assert!(!matches(&udp(1702, 1701, &data, b"")));
    }
}

//! ISAKMP / IKE (RFC 2408 §3.1 for IKEv1, RFC 7296 §3.1 for IKEv2): a
//! 28-byte header, the initiator's SPI (8 bytes), the responder's SPI (zero
//! in the exchange's first message), the next payload, the version (major
//! 1 or 2 in the high nibble), the exchange type (IKEv1: 1–5 and 32–33
//! Quick Mode/New Group, RFC 2409; IKEv2: 34–37 and 43 IKE_INTERMEDIATE,
//! RFC 9242), the flags, a message id and the length of the whole message,
//! which over UDP is the datagram's. The responder answers with the
//! initiator's SPI. On port 4500 (NAT traversal, RFC 3947/3948 §2.2) an IKE
//! message is preceded by the 4-byte non-ESP marker (zero).

use flowsieve_sdk::prelude::*;

const HEADER: usize = 28;

/// The version byte at offset 17 (after the optional marker at 0).
pub(crate) fn leads() -> Vec<Lead> {
    let mut leads = Vec::new();
    for version in [0x10, 0x20] {
        leads.push(either(&[version]).masked(&[0xf0]).at(17));
        let mut marked = [0u8; 22];
        let mut mask = [0u8; 22];
        mask[..4].copy_from_slice(&[0xff; 4]);
        marked[21] = version;
        mask[21] = 0xf0;
        leads.push(either(&marked).masked(&mask));
    }
    leads
}

/// An IKE header filling a datagram of `len` bytes: (initiator SPI, responder SPI).
fn header(p: &[u8], len: usize) -> Option<(&[u8], &[u8])> {
    if len < HEADER || be_u32(p, 24)? as usize != len {
        return None;
    }
    let (version, exchange) = (p[17] >> 4, p[18]);
    let ok = match version {
        1 => matches!(exchange, 1..=5 | 32 | 33),
        2 => matches!(exchange, 34..=37 | 43),
        _ => false,
    };
    (ok && p[16] != 0 && p[..8] != [0; 8]).then(|| (&p[..8], &p[8..16]))
}

/// Strips the non-ESP marker when there is one.
fn message(side: &Side) -> Option<(&[u8], &[u8])> {
    let len = (side.first_payload_len as usize).max(side.prefix.len());
    let p = &side.prefix;
    header(p, len).or_else(|| {
        (be_u32(p, 0)? == 0)
            .then(|| header(&p[4..], len.checked_sub(4)?))
            .flatten()
    })
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (message(&flow.client), message(&flow.server));
    match (flow.client.prefix.is_empty(), flow.server.prefix.is_empty()) {
        (false, false) => matches!((c, s), (Some(a), Some(b)) if a.0 == b.0),
        // The exchange's first message: no responder SPI yet.
        (false, true) => c.is_some_and(|(_, r)| r == [0; 8]),
        (true, false) => s.is_some(),
        (true, true) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8], len: usize) -> Vec<u8> {
        let mut v = p.to_vec();
        v.resize(len, 0);
        v
    }

    // isakmp.pcap (tests/tools/record/isakmp.sh): ike-scan's IKEv1 Main Mode
    // proposal 127.0.0.1:5500 -> charon :500 (first 44 of 336 bytes) and
    // charon's answer (an INFORMATIONAL notify, 40 bytes).
    const MAIN_MODE: &[u8] = b"\xaa\x6c\x71\x42\x14\x41\x61\xa3\x00\x00\x00\x00\x00\x00\x00\x00\x01\x10\x02\x00\x00\x00\x00\x00\x00\x00\x01\x50\x00\x00\x01\x34\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x01\x28";
    const NOTIFY: &[u8] = b"\xaa\x6c\x71\x42\x14\x41\x61\xa3\xcf\xfa\x47\x6d\xa3\x9f\x69\xa5\x0b\x10\x05\x00\x33\x89\x8f\xa1\x00\x00\x00\x28\x00\x00\x00\x0c\x00\x00\x00\x01\x01\x00\x00\x0e";
    // Same capture: IKEv2 IKE_SA_INIT from :5501 (first 32 of 296 bytes) and
    // the answer (36 bytes).
    pub(crate) const SA_INIT: &[u8] = b"\x96\xa0\xbf\x95\x1d\xd8\xa2\x0e\x00\x00\x00\x00\x00\x00\x00\x00\x21\x20\x22\x08\x00\x00\x00\x00\x00\x00\x01\x28\x22\x00\x00\x6c";
    const SA_INIT_R: &[u8] = b"\x96\xa0\xbf\x95\x1d\xd8\xa2\x0e\x3a\xb0\x0e\x34\x60\x25\xa1\x33\x29\x20\x22\x20\x00\x00\x00\x00\x00\x00\x00\x24\x00\x00\x00\x08\x00\x00\x00\x0e";
    // Same capture: NAT-T, :4501 -> :4500, behind the non-ESP marker (344 / 44 bytes).
    const NATT: &[u8] = b"\x00\x00\x00\x00\x53\xeb\xe8\x12\xed\x98\x06\x77\x00\x00\x00\x00\x00\x00\x00\x00\x01\x10\x02\x00\x00\x00\x00\x00\x00\x00\x01\x50";
    const NATT_R: &[u8] = b"\x00\x00\x00\x00\x53\xeb\xe8\x12\xed\x98\x06\x77\x76\xdd\x71\x2d\x45\xda\x90\x4a\x0b\x10\x05\x00\xce\x5c\x6b\x99\x00\x00\x00\x28\x00\x00\x00\x0c\x00\x00\x00\x01\x01\x00\x00\x0e";

    #[test]
    fn ike() {
        let mm = sized(MAIN_MODE, 336);
        assert!(
            matches(&udp(5500, 500, &mm, NOTIFY))
                && crate::offered(crate::ISAKMP, &udp(5500, 500, &mm, NOTIFY))
        );
        assert!(
            matches(&udp(5500, 500, &mm, b""))
                && crate::offered(crate::ISAKMP, &udp(5500, 500, &mm, b""))
        );
        let init = sized(SA_INIT, 296);
        assert!(
            matches(&udp(5501, 500, &init, SA_INIT_R))
                && crate::offered(crate::ISAKMP, &udp(5501, 500, &init, SA_INIT_R))
        );
        let natt = sized(NATT, 340);
        assert!(
            matches(&udp(4501, 4500, &natt, NATT_R))
                && crate::offered(crate::ISAKMP, &udp(4501, 4500, &natt, NATT_R))
        );
    }

    #[test]
    fn not_ike() {
        // An answer for another initiator; a length that disagrees with the
        // datagram; a DNS query on port 500.
        let mm = sized(MAIN_MODE, 336);
        let mut other = NOTIFY.to_vec();
        other[0] ^= 1;
        assert!(!matches(&udp(5500, 500, &mm, &other)));
        assert!(!matches(&udp(5500, 500, &sized(MAIN_MODE, 300), b"")));
        let dns = b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00";
        assert!(!matches(&udp(500, 500, dns, b"")));
    }
}

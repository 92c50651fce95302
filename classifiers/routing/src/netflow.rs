//! NetFlow and IPFIX export datagrams (Cisco's NetFlow v1/v5/v7 formats;
//! RFC 3954 §5 for v9; RFC 7011 §3 for IPFIX, "v10"): a 2-byte version
//! then, for the fixed-record versions, a record count that sizes the
//! datagram exactly (v1: 16 + 48·n, n ≤ 24; v5: 24 + 48·n, n ≤ 30; v7:
//! 24 + 52·n, n ≤ 27). A v9 packet has a 20-byte header then FlowSets whose
//! id is 0 (template), 1 (options template) or ≥ 256 (data) and whose
//! length fits; an IPFIX message carries its own length (the datagram's),
//! and its first Set id is 2, 3 or ≥ 256. Export is one way, exporter to
//! collector.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 5] {
    [1, 5, 7, 9, 10].map(|v| client(&[0, v]))
}

fn export(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let (Some(version), Some(second)) = (be_u16(p, 0), be_u16(p, 2)) else {
        return false;
    };
    let n = usize::from(second);
    let set = |at: usize, ids: &[u16], header: usize| {
        let (Some(id), Some(len)) = (be_u16(p, at), be_u16(p, at + 2)) else {
            return false;
        };
        (ids.contains(&id) || id >= 256) && len >= 4 && usize::from(len) <= size - header
    };
    match version {
        1 => (1..=24).contains(&n) && size == 16 + 48 * n,
        5 => (1..=30).contains(&n) && size == 24 + 48 * n,
        7 => (1..=27).contains(&n) && size == 24 + 52 * n,
        9 => n >= 1 && size > 24 && set(20, &[0, 1], 20),
        10 => n == size && size > 20 && set(16, &[2, 3], 16),
        _ => false,
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    export(&flow.client) && flow.server.prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8], len: u32) -> FlowView {
        let mut f = udp(53465, 12055, p, b"");
        f.client.first_payload_len = len;
        f
    }

    // netflow.pcap (tests/tools/record/netflow.sh): softflowd exporting
    // dns.pcap's flows to 127.0.0.1:12055 (v5, 2 records, 120 bytes),
    // :12056 (v9, a template FlowSet first, 436 bytes) and :12057 (IPFIX,
    // a template Set first, 452 bytes); first 32 bytes of each.
    const V5: &[u8] = b"\x00\x05\x00\x02\x00\x00\x00\x00\x6b\x0a\x27\xa6\x19\xe9\x68\x58\x00\x00\x00\x00\x00\x00\x00\x00\xc0\xa8\xaa\x08\xc0\xa8\xaa\x14";
    const V9: &[u8] = b"\x00\x09\x00\x02\x00\x00\x00\x00\x6b\x0a\x27\xa6\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x48\x04\x00\x00\x10\x00\x08\x00\x04";
    const IPFIX: &[u8] = b"\x00\x0a\x01\xc4\x6b\x0a\x27\xa7\x00\x00\x00\x02\x00\x00\x00\x00\x00\x02\x00\x48\x04\x00\x00\x10\x00\x08\x00\x04\x00\x0c\x00\x04";

    #[test]
    fn netflow() {
        for (p, len) in [(V5, 120), (V9, 436), (IPFIX, 452)] {
            let f = sized(p, len);
            assert!(matches(&f) && crate::offered(crate::NETFLOW, &f));
        }
    }

    #[test]
    fn not_netflow() {
        // A v5 count that disagrees with the size; an IPFIX length that is
        // not the datagram's; a v9 FlowSet id 5; an answer (export is one way).
        assert!(!matches(&sized(V5, 168)));
        assert!(!matches(&sized(IPFIX, 400)));
        let mut v9 = V9.to_vec();
        v9[21] = 5;
        assert!(!matches(&sized(&v9, 436)));
        let mut back = sized(V5, 120);
        back.server.prefix = V5.to_vec();
        assert!(!matches(&back));
    }
}

//! NetFlow export (Cisco NetFlow v1/v5/v7 export formats; RFC 3954 v9;
//! RFC 7011 IPFIX, "version 10"): a one-way stream of datagrams from an
//! exporter, each with a header starting with the version.
//!
//! - v1, v5, v7: a count of 1–30 records of fixed size (48, 48, 52 bytes)
//!   after a 16, 24 or 24-byte header: the datagram size follows exactly.
//! - v9: a 20-byte header, then FlowSets (id 0 template, 1 options
//!   template, >= 256 data; length >= 4) that fill the datagram exactly.
//! - IPFIX: the header's length is the datagram's, then Sets (id 2, 3 or
//!   >= 256) that fill it exactly.
//!
//! Collectors do not answer. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    [1u8, 5, 7, 9, 10]
        .iter()
        .map(|&v| client(&[0, v]))
        .collect()
}

/// Walks sets/FlowSets from `at`; true if they fill `size` exactly (or
/// run past the prefix in step).
fn sets(p: &[u8], mut at: usize, size: usize, valid_id: impl Fn(u16) -> bool) -> bool {
    let mut n = 0;
    while at < size {
        let (Some(id), Some(len)) = (be_u16(p, at), be_u16(p, at + 2)) else {
            return at >= p.len() && n > 0;
        };
        if !valid_id(id) || len < 4 {
            return false;
        }
        at += usize::from(len);
        n += 1;
    }
    at == size && n > 0
}

fn datagram(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let (Some(version), Some(count)) = (be_u16(p, 0), be_u16(p, 2)) else {
        return false;
    };
    let count = usize::from(count);
    match version {
        1 => (1..=24).contains(&count) && size == 16 + 48 * count,
        5 => (1..=30).contains(&count) && size == 24 + 48 * count,
        7 => (1..=28).contains(&count) && size == 24 + 52 * count,
        9 => sets(p, 20, size, |id| id <= 1 || id >= 256),
        10 => count == size && sets(p, 16, size, |id| id == 2 || id == 3 || id >= 256),
        _ => false,
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    datagram(&flow.client) && flow.server.prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/netflow.pcap (tests/tools/record/names.sh
    // netflow): softflowd exporting v5 (216 bytes: 4 records), v9 (520)
    // and IPFIX (536) datagrams, first bytes only.
    const V5: &[u8] = b"\x00\x05\x00\x04\x00\x00\x00\x00k\n\x1e\xad4\xbcy\x18\x00\x00\x00\x00\x00\x00\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00";
    const V9: &[u8] = b"\x00\x09\x00\x04\x00\x00\x00\x00k\n\x1e\xad\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00H\x04\x00\x00\x10\x00\x08\x00\x04\x00\x0c\x00\x04\x00\x16\x00\x04";
    const IPFIX: &[u8] = b"\x00\n\x02\x18k\n\x1e\xad\x00\x00\x00\x04\x00\x00\x00\x00\x00\x02\x00H\x04\x00\x00\x10\x00\x08\x00\x04\x00\x0c\x00\x04\x00\x16\x00\x04\x00\x15\x00\x04";

    fn export(p: &[u8], size: u32) -> FlowView {
        let mut f = udp(37188, 2055, p, b"");
        f.client.first_payload_len = size;
        f
    }

    #[test]
    fn v5_v9_ipfix() {
        crate::check(matches, &export(V5, 216), crate::NETFLOW);
        crate::check(matches, &export(V9, 520), crate::NETFLOW);
        crate::check(matches, &export(IPFIX, 536), crate::NETFLOW);
    }

    #[test]
    fn not_netflow() {
        // A v5 count that disagrees with the size; an IPFIX length that
        // disagrees; an NTP packet (NTPv4.pcap) and an answer back.
        assert!(!matches(&export(V5, 200)));
        assert!(!matches(&export(IPFIX, 520)));
        let ntp = b"#\x02\x07\xeb\x00\x00\x04P\x00\x00\x03\xab\x83\xbc\x03\xdf\xd9OQ";
        assert!(!matches(&export(ntp, 48)));
        let mut f = export(V5, 216);
        f.server.prefix = b"\x00\x05".to_vec();
        assert!(!matches(&f));
    }
}

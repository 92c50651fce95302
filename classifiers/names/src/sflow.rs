//! sFlow version 5 (sFlow.org "sFlow Version 5", §"sFlow Datagram"): a
//! one-way stream of XDR datagrams from an agent: version 5, the agent
//! address type (1 IPv4, 2 IPv6) and address, a sub-agent id, a sequence
//! number, the uptime and the number of samples; each sample starts with
//! its data format (enterprise 0 formats 1–4: flow, counter, expanded flow,
//! expanded counter) and its length, which must fit in the datagram.
//! Collectors do not answer. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 2] {
    [
        client(&[0, 0, 0, 5, 0, 0, 0, 1]),
        client(&[0, 0, 0, 5, 0, 0, 0, 2]),
    ]
}

fn datagram(side: &Side) -> bool {
    let p = &side.prefix;
    let size = (side.first_payload_len as usize).max(p.len());
    let header = match be_u32(p, 4) {
        Some(1) => 28,
        Some(2) => 40,
        _ => return false,
    };
    let (Some(samples), Some(format), Some(len)) = (
        be_u32(p, header - 4),
        be_u32(p, header),
        be_u32(p, header + 4),
    ) else {
        return false;
    };
    be_u32(p, 0) == Some(5)
        && (1..1000).contains(&samples)
        && (1..=4).contains(&format)
        && header + 8 + len as usize <= size
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    datagram(&flow.client) && flow.server.prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/sflow.pcap (tests/tools/record/misc.sh): pmacctd's
    // sfprobe, 127.0.0.1:42981 -> :16343, a 1356-byte datagram of 8 flow
    // samples (first bytes).
    const DATAGRAM: &[u8] = b"\x00\x00\x00\x05\x00\x00\x00\x01\x7f\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x08\x00\x00\x00\x01\x00\x00\x00\x8c\x00\x00\x00\x01\x00\x00\x00\x01";

    #[test]
    fn flow_samples() {
        let mut f = udp(42981, 6343, DATAGRAM, b"");
        f.client.first_payload_len = 1356;
        crate::check(matches, &f, crate::SFLOW);
    }

    #[test]
    fn not_sflow() {
        // A sample longer than the datagram; a NetFlow v5 export
        // (netflow.pcap); an answer back.
        let mut f = udp(42981, 6343, DATAGRAM, b"");
        f.client.first_payload_len = 100;
        assert!(!matches(&f));
        let v5 = b"\x00\x05\x00\x04\x00\x00\x00\x00k\n\x1e\xad4\xbcy\x18\x00\x00\x00\x00\x00\x00\x00\x00\x7f\x00\x00\x01\x7f\x00\x00\x01";
        assert!(!matches(&udp(37188, 6343, v5, b"")));
        let mut f = udp(42981, 6343, DATAGRAM, b"\x00");
        f.client.first_payload_len = 1356;
        assert!(!matches(&f));
    }
}

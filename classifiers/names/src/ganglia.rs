//! Ganglia's gmond metric packets (Ganglia 3.x `lib/gm_protocol.x`, XDR per
//! RFC 4506): each UDP datagram starts with the message id (128
//! gmetadata_full, 129–135 gmetric values, 136 gmetadata_request), then the
//! metric id: the host and metric names as XDR strings (a 4-byte length,
//! the bytes, padding to 4) and the `spoof` boolean. gmond sends without
//! answers. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(&[0, 0, 0, 0x80]).masked(&[0xff, 0xff, 0xff, 0xf0])]
}

/// An XDR string of 1–255 printable bytes at `at`; returns the offset after it.
fn string(p: &[u8], at: usize) -> Option<usize> {
    let len = be_u32(p, at)? as usize;
    if !(1..=255).contains(&len) {
        return None;
    }
    let bytes = p.get(at + 4..at + 4 + len)?;
    bytes
        .iter()
        .all(u8::is_ascii_graphic)
        .then_some(at + 4 + len.div_ceil(4) * 4)
}

fn packet(p: &[u8]) -> bool {
    let Some(id) = be_u32(p, 0) else { return false };
    if !(128..=136).contains(&id) {
        return false;
    }
    string(p, 4)
        .and_then(|at| string(p, at))
        .and_then(|at| be_u32(p, at))
        .is_some_and(|spoof| spoof <= 1)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    packet(&flow.client.prefix) && flow.server.prefix.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/ganglia.pcap (tests/tools/record/misc.sh ganglia):
    // gmond 3.7 sending the heartbeat metadata, 127.0.0.1:53889 -> :18649.
    const METADATA: &[u8] = b"\x00\x00\x00\x80\x00\x00\x00\x02vm\x00\x00\x00\x00\x00\x09heartbeat\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x06uint32\x00\x00\x00\x00\x00\x09heartbeat\x00\x00\x00";

    #[test]
    fn metadata() {
        let mut f = udp(53889, 8649, METADATA, b"");
        f.client.first_payload_len = 156;
        crate::check(matches, &f, crate::GANGLIA);
    }

    #[test]
    fn not_ganglia() {
        // An unknown message id; a host name that is not printable; sFlow
        // (sflow.pcap) whose version field is 5.
        let mut v = METADATA.to_vec();
        v[3] = 0x8f;
        assert!(!matches(&udp(53889, 8649, &v, b"")));
        let mut h = METADATA.to_vec();
        h[8] = 0;
        assert!(!matches(&udp(53889, 8649, &h, b"")));
        let sflow = b"\x00\x00\x00\x05\x00\x00\x00\x01\x7f\x00\x00\x01\x00\x00\x00\x00";
        assert!(!matches(&udp(42981, 8649, sflow, b"")));
    }
}

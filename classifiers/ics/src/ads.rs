//! Beckhoff ADS over AMS/TCP (Beckhoff Information System, "ADS
//! specification": AMS/TCP packet, AMS header): a 6-byte AMS/TCP header
//! (2 reserved zero bytes, the little-endian length of what follows), then
//! the 32-byte AMS header: target AmsNetId and port, source AmsNetId and
//! port, the command id (0–9), state flags (0x0004 an ADS request, 0x0005
//! its response), the data length (the AMS/TCP length minus 32), an error
//! code and an invoke id. The response swaps the two addresses and carries
//! the request's command and invoke id.

use flowsieve_sdk::prelude::*;

/// Reserved zeros, command id below 256, request flags 0x0004.
pub(crate) fn lead() -> Lead {
    let mut value = [0u8; 26];
    let mut mask = [0u8; 26];
    value[24] = 4;
    for i in [0, 1, 23, 24, 25] {
        mask[i] = 0xff;
    }
    client(&value).masked(&mask)
}

fn le_u32(p: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(p.get(at..at + 4)?.try_into().ok()?))
}

/// The fields of an AMS header that a response must mirror.
struct Ams<'a> {
    target: &'a [u8],
    source: &'a [u8],
    command: u8,
    invoke: &'a [u8],
}

/// An AMS packet with `flags`.
fn packet(p: &[u8], flags: u8) -> Option<Ams<'_>> {
    let tcp_len = le_u32(p, 2)?;
    let ok = p.get(..2)? == [0, 0]
        && tcp_len >= 32
        && le_u32(p, 26)?.checked_add(32) == Some(tcp_len)
        && *p.get(22)? <= 9
        && p.get(23..26)? == [0, flags, 0];
    ok.then(|| {
        Some(Ams {
            target: &p[6..14],
            source: &p[14..22],
            command: p[22],
            invoke: p.get(34..38)?,
        })
    })
    .flatten()
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let Some(req) = packet(&flow.client.prefix, 4) else {
        return false;
    };
    if flow.server.prefix.is_empty() {
        return flow.server_port == 48898;
    }
    packet(&flow.server.prefix, 5).is_some_and(|res| {
        res.target == req.source
            && res.source == req.target
            && res.command == req.command
            && res.invoke == req.invoke
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // ads.pcap (tests/tools/record/ads.sh): pyads 127.0.0.1:33710 ->
    // AdsTestServer :48898, ReadDeviceInfo (127.0.0.1.1.1:30000 ->
    // 127.0.0.1.1.1:851) and its response ("TestServer").
    const REQUEST: &[u8] = b"\x00\x00\x20\x00\x00\x00\x7f\x00\x00\x01\x01\x01\x53\x03\x7f\x00\x00\x01\x01\x01\x30\x75\x01\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00";
    const RESPONSE: &[u8] = b"\x00\x00\x33\x00\x00\x00\x7f\x00\x00\x01\x01\x01\x30\x75\x7f\x00\x00\x01\x01\x01\x53\x03\x01\x00\x05\x00\x13\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x00TestServer\x00";

    #[test]
    fn ads() {
        assert!(
            matches(&tcp(33710, 48898, REQUEST, RESPONSE))
                && crate::offered(crate::ADS, &tcp(33710, 48898, REQUEST, RESPONSE))
        );
        assert!(
            matches(&tcp(33710, 48898, REQUEST, b""))
                && crate::offered(crate::ADS, &tcp(33710, 48898, REQUEST, b""))
        );
    }

    #[test]
    fn not_ads() {
        // Another invoke id answered; a data length that disagrees; a lone
        // request off port 48898; Modbus.
        let mut other = RESPONSE.to_vec();
        other[34] = 2;
        assert!(!matches(&tcp(33710, 48898, REQUEST, &other)));
        let mut bad = REQUEST.to_vec();
        bad[26] = 1;
        assert!(!matches(&tcp(33710, 48898, &bad, b"")));
        assert!(!matches(&tcp(33710, 4889, REQUEST, b"")));
        assert!(!matches(&tcp(
            38860,
            502,
            b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x01\x00\x04",
            b""
        )));
    }
}

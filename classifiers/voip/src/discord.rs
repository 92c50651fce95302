//! Discord voice, UDP IP discovery (Discord developer documentation,
//! "Voice Connections", IP Discovery): before media flows, the client sends
//! a 74-byte packet, type 0x0001 (request), length 70, its SSRC and a
//! zeroed 64-byte address and 2-byte port; the voice server answers with
//! type 0x0002 (response), length 70, the same SSRC and the client's
//! external address as a NUL-terminated ASCII string and its port.

use flowsieve_sdk::prelude::*;

const LEN: usize = 74;

pub(crate) fn leads() -> [Lead; 2] {
    [client(&[0, 1, 0, 70]), server(&[0, 2, 0, 70])]
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

/// A discovery packet of `kind`: its SSRC.
fn packet(side: &Side, kind: u8) -> Option<&[u8]> {
    let p = &side.prefix;
    (size(side) == LEN && p.get(..4)? == [0, kind, 0, 70]).then(|| p.get(4..8))?
}

/// The response's address: printable ASCII up to the first NUL.
fn address(p: &[u8]) -> bool {
    let field = p.get(8..72).unwrap_or(&[]);
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    end >= 2 && field[..end].iter().all(|b| b.is_ascii_graphic())
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let request = packet(&flow.client, 1);
    let request_ok = request.is_some()
        && flow
            .client
            .prefix
            .get(8..40)
            .is_none_or(|a| a.iter().all(|&b| b == 0));
    match (request, packet(&flow.server, 2)) {
        (Some(a), Some(b)) => request_ok && a == b && address(&flow.server.prefix),
        (Some(_), None) => request_ok && flow.server.prefix.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn sized(p: &[u8]) -> Vec<u8> {
        let mut v = p.to_vec();
        v.resize(LEN, 0);
        v
    }

    // rtp.pcapng, 150.219.118.19:54234 -> 192.113.193.227:50003: the
    // request (SSRC 001a7e73) and the response ("85.154.2.145").
    const REQUEST: &[u8] = b"\x00\x01\x00\x46\x00\x1a\x7e\x73\x00\x00\x00\x00";
    const RESPONSE: &[u8] =
        b"\x00\x02\x00\x46\x00\x1a\x7e\x73\x38\x35\x2e\x31\x35\x34\x2e\x32\x2e\x31\x34\x35\x00\x00";

    #[test]
    fn discord() {
        assert!(
            matches(&udp(54234, 50003, &sized(REQUEST), &sized(RESPONSE)))
                && crate::offered(
                    crate::DISCORD,
                    &udp(54234, 50003, &sized(REQUEST), &sized(RESPONSE))
                )
        );
        assert!(
            matches(&udp(54234, 50003, &sized(REQUEST), b""))
                && crate::offered(crate::DISCORD, &udp(54234, 50003, &sized(REQUEST), b""))
        );
    }

    #[test]
    fn not_discord() {
        // Another SSRC answered; the wrong size; a STUN binding request
        // (type 0x0001 too, with the magic cookie).
        let mut other = sized(RESPONSE);
        other[7] ^= 1;
        assert!(!matches(&udp(54234, 50003, &sized(REQUEST), &other)));
        assert!(!matches(&udp(54234, 50003, REQUEST, b"")));
        let stun =
            b"\x00\x01\x00\x00\x21\x12\xa4\x42\x53\x48\x6b\x68\x46\x38\x6f\x64\x77\x67\x79\x56";
        assert!(!matches(&udp(43016, 3478, stun, b"")));
    }
}

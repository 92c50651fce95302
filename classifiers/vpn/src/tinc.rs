//! tinc's meta protocol over TCP (tinc 1.0 `protocol.c`/`protocol_auth.c`,
//! documented in "The tinc Manual", §6.2 "The meta-protocol"): requests
//! are lines of space-separated fields whose first is the request number.
//! A meta connection opens with ID (request 0) from both sides:
//! `0 <node name> <protocol version>` (17 for tinc 1.0; `17.<minor>` for
//! tinc 1.1), node names being `[A-Za-z0-9_]+`. The UDP data channel is
//! encrypted and not matched.

use flowsieve_sdk::prelude::*;

pub(crate) fn lead() -> Lead {
    either(b"0 ")
}

/// The ID request line at the start of `p`: its node name.
fn id(p: &[u8]) -> Option<&[u8]> {
    let line = p.strip_prefix(b"0 ")?;
    let end = line.iter().position(|&b| b == b'\n')?;
    let line = &line[..end];
    let space = line.iter().position(|&b| b == b' ')?;
    let (name, version) = (&line[..space], &line[space + 1..]);
    let version_ok = version == b"17"
        || version
            .strip_prefix(b"17.")
            .is_some_and(|m| !m.is_empty() && m.iter().all(u8::is_ascii_digit));
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
    (version_ok && name_ok).then_some(name)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (id(c), id(s)) {
        // Two different nodes introduce themselves.
        (Some(a), Some(b)) => a != b,
        (Some(_), None) => s.is_empty(),
        (None, Some(_)) => c.is_empty(),
        (None, None) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tinc.pcap (tests/tools/record/tinc.sh): tincd alpha 127.0.0.1:36411
    // -> tincd beta :16656, both IDs, beta's followed by its METAKEY.
    const ALPHA: &[u8] = b"0 alpha 17\n";
    const BETA: &[u8] = b"0 beta 17\n1 429 672 0 0 A866AF054C29B0075";

    #[test]
    fn tinc() {
        assert!(
            matches(&tcp(36411, 16656, ALPHA, BETA))
                && crate::offered(crate::TINC, &tcp(36411, 16656, ALPHA, BETA))
        );
        assert!(
            matches(&tcp(36411, 655, ALPHA, b""))
                && crate::offered(crate::TINC, &tcp(36411, 655, ALPHA, b""))
        );
        assert!(
            matches(&tcp(36411, 655, b"0 node_1 17.7\n", b"0 node_2 17.7\n"))
                && crate::offered(
                    crate::TINC,
                    &tcp(36411, 655, b"0 node_1 17.7\n", b"0 node_2 17.7\n")
                )
        );
    }

    #[test]
    fn not_tinc() {
        // Another protocol version; the same node both ways; a name with
        // a dot; a line without its end.
        assert!(!matches(&tcp(36411, 655, b"0 alpha 18\n", b"")));
        assert!(!matches(&tcp(36411, 655, ALPHA, ALPHA)));
        assert!(!matches(&tcp(36411, 655, b"0 a.b 17\n", b"")));
        assert!(!matches(&tcp(36411, 655, b"0 alpha 17", b"")));
    }
}

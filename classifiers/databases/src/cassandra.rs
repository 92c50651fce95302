//! Cassandra CQL native protocol, v3–v5 and DataStax's DSE v1/v2
//! (native_protocol_v4.spec §2: a 9-byte frame header: version, flags,
//! big-endian stream id, opcode, big-endian body length). The client opens
//! with OPTIONS (0x05, empty body) or STARTUP (0x01, a string map), the
//! version byte's top bit clear; the server answers with the same version
//! with the top bit set (0x80), the same stream, and SUPPORTED (0x06),
//! READY (0x02), AUTHENTICATE (0x03) or ERROR (0x00). The port is not
//! needed.

use crate::{Verdict, CASSANDRA};
use flowsieve_sdk::prelude::*;

const VERSIONS: [u8; 5] = [3, 4, 5, 0x41, 0x42];

pub(crate) fn leads() -> Vec<Lead> {
    VERSIONS
        .iter()
        .flat_map(|&v| [1u8, 5].map(|op| client(&[v, 0, 0, 0, op]).masked(&[0xff, 0, 0, 0, 0xff])))
        .collect()
}

fn request(side: &Side) -> bool {
    let p = &side.prefix;
    let Some(len) = be_u32(p, 5) else {
        return false;
    };
    VERSIONS.contains(&p[0])
        && p[1] & !0x1f == 0
        && match p[4] {
            0x05 => len == 0,
            // STARTUP: a string map of at least CQL_VERSION.
            0x01 => (15..4096).contains(&len) && be_u16(p, 9).is_some_and(|n| (1..16).contains(&n)),
            _ => false,
        }
        && side.first_payload_len >= 9
}

fn response(s: &[u8], c: &[u8]) -> bool {
    s.len() >= 9
        && (s[0] == c[0] | 0x80 || (s[0] & 0x80 != 0 && s[4] == 0x00))
        && s[2..4] == c[2..4]
        && matches!(s[4], 0x00 | 0x02 | 0x03 | 0x06)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if request(&flow.client) && (s.is_empty() || response(s, c)) {
        Verdict::Yes(CASSANDRA)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/cassandra.pcap (tests/tools/record/clients-only.sh):
    // the DataStax python driver's OPTIONS in DSE_V2 framing,
    // 127.0.0.1:48500 -> :9042.
    const OPTIONS: &[u8] = b"B\x00\x00\x00\x05\x00\x00\x00\x00";

    #[test]
    fn options() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(48500, 9042, OPTIONS, b""),
            CASSANDRA,
        );
        // A v4 protocol error back (a server without DSE), same stream.
        let err = b"\x84\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x00\x0a";
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(48500, 9042, OPTIONS, err),
            CASSANDRA,
        );
    }

    #[test]
    fn not_cassandra() {
        // OPTIONS with a body, another stream back, and a TDS attention.
        assert_eq!(
            classify(&tcp(48500, 9042, b"B\x00\x00\x00\x05\x00\x00\x00\x04", b"")),
            Verdict::No
        );
        let err = b"\x84\x00\x00\x01\x00\x00\x00\x00\x20";
        assert_eq!(classify(&tcp(48500, 9042, OPTIONS, err)), Verdict::No);
        assert_eq!(
            classify(&tcp(
                57362,
                1433,
                b"\x06\x01\x00\x08\x00\x00\x01\x00\x00",
                b""
            )),
            Verdict::No
        );
    }
}

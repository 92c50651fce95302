//! Oracle Net (TNS) as documented by Oracle's "Net Services Reference" and
//! the public dissectors: every packet starts with an 8-byte header, a
//! big-endian length counting the header, a packet checksum (0), the packet
//! type, a flags byte and a header checksum (0). The client opens with
//! CONNECT (type 1): the TNS version it speaks (300–320), the lowest it
//! accepts (not above it), then the connect data length and offset, which
//! must lie within the packet (or follow it, when longer than 230 bytes).
//! The server answers ACCEPT (2), REFUSE (4), REDIRECT (5) or RESEND (11).
//! The port is not needed.

use crate::{Verdict, ORACLE_TNS};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(&[0, 0, 1]).at(2)]
}

fn connect(side: &Side) -> bool {
    let p = &side.prefix;
    let (Some(len), Some(version), Some(lowest), Some(data_len), Some(data_off)) = (
        be_u16(p, 0),
        be_u16(p, 8),
        be_u16(p, 10),
        be_u16(p, 24),
        be_u16(p, 26),
    ) else {
        return false;
    };
    p[2..5] == [0, 0, 1]
        && be_u16(p, 6) == Some(0)
        && (34..=8192).contains(&len)
        && u32::from(len) <= side.first_payload_len
        && (300..=320).contains(&version)
        && (300..=version).contains(&lowest)
        && (34..=len).contains(&data_off)
        && data_len > 0
}

fn reply(p: &[u8]) -> bool {
    be_u16(p, 0).is_some_and(|len| len >= 8)
        && p.get(2..4) == Some(&[0, 0])
        && matches!(p.get(4), Some(2 | 4 | 5 | 11))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    if connect(&flow.client) && (s.is_empty() || reply(s)) {
        Verdict::Yes(ORACLE_TNS)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/oracle.pcap (tests/tools/record/clients-only.sh):
    // python-oracledb (thin mode) CONNECT, 127.0.0.1:59498 -> :1521, TNS
    // version 319, connect data (242 bytes) in the next packet.
    const CONNECT: &[u8] = b"\x00J\x00\x00\x01\x00\x00\x00\x01?\x01,\x04\x01 \x00 \x00O\x98\x00\x00\x00\x01\x00\xf2\x00J\x00\x00\x00\x00\x84\x84\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00 \x00\x00\x00 \x00\x00\x00\x00\x00\x00\x00\x00\x01";

    #[test]
    fn thin_client_connect() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(59498, 1521, CONNECT, b""),
            ORACLE_TNS,
        );
        // An ACCEPT (type 2) header back.
        let accept = b"\x00\x20\x00\x00\x02\x00\x00\x00\x01\x3d";
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(59498, 1521, CONNECT, accept),
            ORACLE_TNS,
        );
    }

    #[test]
    fn not_tns() {
        // The connect data packet (type 6) of the same flow; a version
        // beyond the range; a MySQL greeting back.
        let data =
            b"\x00\xfc\x00\x00\x06\x00\x00\x00\x00\x00(DESCRIPTION=(TRANSPORT_CONNECT_TIMEOUT=2)";
        assert_eq!(classify(&tcp(59498, 1521, data, b"")), Verdict::No);
        let mut v = CONNECT.to_vec();
        v[9] = 0x90;
        assert_eq!(classify(&tcp(59498, 1521, &v, b"")), Verdict::No);
        let greeting = crate::mysql::tests::GREETING;
        assert_eq!(classify(&tcp(59498, 1521, CONNECT, greeting)), Verdict::No);
    }
}

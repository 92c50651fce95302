//! TDS, Microsoft SQL Server's protocol (MS-TDS §2.2.3.1 packet header,
//! §2.2.6.5 PRELOGIN): every packet has an 8-byte header: type, status,
//! big-endian length counting the header, SPID, packet id and window (0).
//! A TDS 7.x client opens with PRELOGIN (type 0x12, status EOM 0x01) whose
//! option list starts with the VERSION token (0x00) and whose first option
//! offset points past the option list; the server answers with a tabular
//! result (type 0x04) holding the same option format. The port is not needed.

use crate::{Verdict, TDS};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(&[0x12, 0x01])]
}

fn packet(side: &Side, kind: u8) -> bool {
    let p = &side.prefix;
    let Some(len) = be_u16(p, 2) else {
        return false;
    };
    p[0] == kind
        && p[1] == 0x01
        && (8 + 5 + 1..=4096).contains(&len)
        && u32::from(len) <= side.first_payload_len
        && p.get(7) == Some(&0)
        // PRELOGIN options: VERSION first, data offset past the option list.
        && p.get(8) == Some(&0x00)
        && be_u16(p, 9).is_some_and(|off| off >= 6 && off < len - 8)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if packet(&flow.client, 0x12) && (flow.server.prefix.is_empty() || packet(&flow.server, 0x04)) {
        Verdict::Yes(TDS)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/tds.pcap (tests/tools/record/clients-only.sh):
    // python-tds's PRELOGIN, 127.0.0.1:57362 -> :1433 (58 bytes).
    const PRELOGIN: &[u8] = b"\x12\x01\x00:\x00\x00\x00\x00\x00\x00\x1a\x00\x06\x01\x00 \x00\x01\x02\x00!\x00\x0c\x03\x00-\x00\x04\x04\x001\x00\x01\xff\x01\x00\x00\x00\x00\x00\x02MSSQLServer\x00\x00\x00\x00\x00\x00";

    #[test]
    fn prelogin() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(57362, 1433, PRELOGIN, b""),
            TDS,
        );
        // The server's PRELOGIN response has the same layout, type 0x04.
        let mut resp = PRELOGIN.to_vec();
        resp[0] = 0x04;
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(57362, 1433, PRELOGIN, &resp),
            TDS,
        );
    }

    #[test]
    fn not_tds() {
        // A length beyond the packet; the client's second packet (an
        // attention, type 0x06, from the same capture); a TLS answer.
        let mut f = tcp(57362, 1433, PRELOGIN, b"");
        f.client.first_payload_len = 40;
        assert_eq!(classify(&f), Verdict::No);
        assert_eq!(
            classify(&tcp(57362, 1433, b"\x06\x01\x00\x08\x00\x00\x01\x00", b"")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(57362, 1433, PRELOGIN, &[0x16, 3, 3, 0, 0x3a, 2])),
            Verdict::No
        );
    }
}

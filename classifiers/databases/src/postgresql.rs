//! PostgreSQL frontend/backend protocol (PostgreSQL documentation, "Message
//! Formats"): the client opens with an untyped message, an int32 length
//! counting itself and an int32 code: StartupMessage (protocol 3.0 or 3.2,
//! then NUL-terminated parameter names and values), SSLRequest (80877103),
//! GSSENCRequest (80877104) or CancelRequest (80877102, length 16). The
//! server answers an SSLRequest/GSSENCRequest with one byte, `S` or `N`,
//! and a StartupMessage with a typed message: `R` (Authentication*), `E`
//! (ErrorResponse) or `v` (NegotiateProtocolVersion), each with an int32
//! length. The port is not needed.

use crate::{Verdict, POSTGRESQL};
use flowsieve_sdk::prelude::*;

const SSL_REQUEST: u32 = 80_877_103;
const GSSENC_REQUEST: u32 = 80_877_104;
const CANCEL_REQUEST: u32 = 80_877_102;

pub(crate) fn leads() -> [Lead; 2] {
    [client(&[0, 3]).at(4), client(&[0x04, 0xd2, 0x16]).at(4)]
}

/// The client's first message: what kind it is, if it is one.
#[derive(Clone, Copy, PartialEq)]
enum Opening {
    Startup,
    Negotiate,
    Cancel,
}

fn opening(side: &Side) -> Option<Opening> {
    let p = &side.prefix;
    let len = be_u32(p, 0)?;
    let code = be_u32(p, 4)?;
    match code {
        SSL_REQUEST | GSSENC_REQUEST if len == 8 && side.first_payload_len >= 8 => {
            Some(Opening::Negotiate)
        }
        CANCEL_REQUEST if len == 16 && side.first_payload_len >= 16 => Some(Opening::Cancel),
        0x0003_0000 | 0x0003_0002 if (8..10_000).contains(&len) => {
            // Parameters: a lower-case name ("user", "database", ...).
            let name = p.get(8..).unwrap_or(&[]);
            (name.is_empty() || name[0].is_ascii_lowercase() || name[0] == b'_' || len == 9)
                .then_some(Opening::Startup)
        }
        _ => None,
    }
}

fn typed_reply(p: &[u8]) -> bool {
    matches!(p.first(), Some(b'R' | b'E' | b'v'))
        && be_u32(p, 1).is_some_and(|len| (8..1 << 16).contains(&len))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let Some(open) = opening(&flow.client) else {
        return Verdict::No;
    };
    let s = &flow.server.prefix;
    let ok = match open {
        _ if s.is_empty() => true,
        Opening::Negotiate => matches!(s[0], b'S' | b'N'),
        Opening::Startup => typed_reply(s),
        // The server closes a cancel connection without answering.
        Opening::Cancel => false,
    };
    if ok {
        Verdict::Yes(POSTGRESQL)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // Suricata's pgsql-upgrade-tls capture (corpus/suricata/
    // pgsql_pgsql-upgrade-tls/input.pcap): 192.168.50.11:60358 -> :5432 an
    // SSLRequest answered `S`; :60359 a StartupMessage (85 bytes) refused
    // with an ErrorResponse.
    const SSL_REQ: &[u8] = b"\x00\x00\x00\x08\x04\xd2\x16/";
    const STARTUP: &[u8] = b"\x00\x00\x00U\x00\x03\x00\x00user\x00rep\x00database\x00replication\x00replication\x00true\x00appli";
    const ERROR: &[u8] =
        b"E\x00\x00\x00\x96SFATAL\x00C28000\x00Mno pg_hba.conf entry for replication con";

    #[test]
    fn ssl_request_and_startup() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(60358, 5432, SSL_REQ, b"S"),
            POSTGRESQL,
        );
        let mut f = tcp(60359, 5432, STARTUP, ERROR);
        f.client.first_payload_len = 85;
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(classify, &f, POSTGRESQL);
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(60359, 15432, STARTUP, b""),
            POSTGRESQL,
        );
    }

    #[test]
    fn not_postgresql() {
        // An SSLRequest answered with a TLS record; a MySQL greeting after a
        // startup; an SMB1 negotiate (smbv1.pcap) whose bytes 4.. differ.
        let tls = [0x16, 3, 3, 0, 0x3a, 2];
        assert_eq!(classify(&tcp(60358, 5432, SSL_REQ, &tls)), Verdict::No);
        let greeting = crate::mysql::tests::GREETING;
        assert_eq!(classify(&tcp(60359, 5432, STARTUP, greeting)), Verdict::No);
        assert_eq!(
            classify(&tcp(50927, 445, b"\x00\x00\x00\x85\xffSMBr\x00", b"")),
            Verdict::No
        );
    }
}

//! TLS (RFC 8446 §5.1 record layer, §4 handshake; RFC 5246 for 1.2 and
//! earlier). A flow is TLS when its client opens with a handshake record
//! carrying a ClientHello, or (joined late / client lost) its server answers
//! with a ServerHello or an alert. libprotoident names TLS on port 443
//! "HTTPS" and elsewhere "SSL/TLS"; an HTTP ALPN ("h2", "http/1.1") from the
//! host's TLS parser also makes it HTTPS.

use crate::{Verdict, HTTPS, SSL_TLS};
use flowsieve_sdk::prelude::*;

const HANDSHAKE: u8 = 22;
const ALERT: u8 = 21;
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
/// A record's plaintext may be at most 2^14 bytes; ciphertext 2^14 + 2048.
const MAX_RECORD: u16 = (1 << 14) + 2048;

/// Record header: content type, legacy version 3.0–3.4, a plausible length.
fn record(p: &[u8], content_type: u8) -> bool {
    p.first() == Some(&content_type)
        && p.get(1) == Some(&3)
        && p.get(2).is_some_and(|&minor| minor <= 4)
        && be_u16(p, 3).is_some_and(|len| len > 0 && len <= MAX_RECORD)
}

fn handshake(p: &[u8], msg_type: u8) -> bool {
    record(p, HANDSHAKE) && p.get(5) == Some(&msg_type)
}

fn server_answer(p: &[u8]) -> bool {
    handshake(p, SERVER_HELLO) || record(p, ALERT)
}

/// A handshake record from either side (ClientHello, or ServerHello when the
/// client was not seen).
pub(crate) fn leads() -> [Lead; 1] {
    [either(&[HANDSHAKE, 3])]
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let tls = if handshake(c, CLIENT_HELLO) {
        s.is_empty() || server_answer(s)
    } else {
        c.is_empty() && handshake(s, SERVER_HELLO)
    };
    if !tls {
        return Verdict::No;
    }
    let http_alpn = flow
        .alpn
        .iter()
        .any(|a| a == "h2" || a.starts_with("http/1."));
    if flow.port_in(&[443]) || http_alpn {
        Verdict::Yes(HTTPS)
    } else {
        Verdict::Yes(SSL_TLS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    const CH: &[u8] = &[
        0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
    ];
    const SH: &[u8] = &[
        0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03,
    ];

    #[test]
    fn by_port_and_alpn() {
        assert_eq!(classify(&tcp(50000, 443, CH, SH)), Verdict::Yes(HTTPS));
        assert_eq!(classify(&tcp(50000, 993, CH, SH)), Verdict::Yes(SSL_TLS));
        let mut f = tcp(50000, 8443, CH, b"");
        f.alpn = vec!["h2".into()];
        assert_eq!(classify(&f), Verdict::Yes(HTTPS));
        assert_eq!(classify(&tcp(50000, 8443, b"", SH)), Verdict::Yes(SSL_TLS));
    }

    #[test]
    fn not_tls() {
        // Application data first, a bogus version, an answer that is not TLS.
        assert_eq!(
            classify(&tcp(50000, 443, &[0x17, 3, 3, 0, 5, 1], b"")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(50000, 443, &[0x16, 3, 9, 0, 5, 1], b"")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(50000, 443, CH, b"HTTP/1.1 400 Bad")),
            Verdict::No
        );
    }
}

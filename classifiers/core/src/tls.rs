//! TLS (RFC 8446 §5.1 record layer, §4 handshake; RFC 5246 for 1.2 and
//! earlier). A flow is TLS when its client opens with a ClientHello answered
//! by a ServerHello, an alert or nothing yet; when only a ServerHello is
//! seen; or, joined after the handshake, when each direction opens with a
//! TLS record (`flowsieve_sdk::matchers::tls_flow`). libprotoident names TLS on port 443
//! "HTTPS" and elsewhere "SSL/TLS"; an HTTP ALPN ("h2", "http/1.1") from the
//! host's TLS parser also makes it HTTPS.

use crate::{Verdict, HTTPS, SSL_TLS};
use flowsieve_sdk::prelude::*;

/// A TLS record header (content types 20–23) from either side.
pub(crate) fn leads() -> [Lead; 1] {
    [either(&[0x14, 3]).masked(&[0xfc, 0xff])]
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if !tls_flow(&flow.client.prefix, &flow.server.prefix) {
        return Verdict::No;
    }
    let http_alpn = FlowExt::alpn(flow)
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
        f.alpn = Some(vec!["h2".into()]);
        assert_eq!(classify(&f), Verdict::Yes(HTTPS));
        assert_eq!(classify(&tcp(50000, 8443, b"", SH)), Verdict::Yes(SSL_TLS));
    }

    /// android.pcap, 17.248.176.75:443 <-> 192.168.2.17:50584: the capture starts after the
    /// handshake, with application data from the server; tls_alert.pcap,
    /// 192.168.2.100:37780 <-> 160.44.202.202:443: a lone alert.
    #[test]
    fn joined_mid_stream() {
        let app = [0x17, 3, 3, 0, 0x29, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(classify(&tcp(50584, 443, b"", &app)), Verdict::Yes(HTTPS));
        let alert = [0x15, 3, 3, 0, 0x1a, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(classify(&tcp(37780, 443, &alert, b"")), Verdict::Yes(HTTPS));
        assert_eq!(
            classify(&tcp(37780, 8443, &app, &app)),
            Verdict::Yes(SSL_TLS)
        );
    }

    #[test]
    fn not_tls() {
        // An empty record, a bogus version, an answer that is not TLS.
        assert_eq!(
            classify(&tcp(50000, 443, &[0x17, 3, 3, 0, 0, 1], b"")),
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

//! POP3S, IMAPS and SMTP_Secure: POP3, IMAP and SMTP submission over
//! implicit TLS (RFC 8314 §3.3: ports 995, 993 and 465). The payload proves
//! TLS (RFC 8446 §5.1 record layer, §4 hellos; a flow joined mid-stream by
//! its records); the port, or the service's registered ALPN id ("pop3",
//! "imap", RFC 8314 §7 / IANA), tells which service it carries.

use crate::{Verdict, IMAPS, POP3S, SMTP_SECURE};
use flowsieve_sdk::prelude::*;

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if !tls_flow(&flow.client.prefix, &flow.server.prefix) {
        return Verdict::No;
    }
    if flow.port_in(&[995]) || flow.offers_alpn("pop3") {
        Verdict::Yes(POP3S)
    } else if flow.port_in(&[993]) || flow.offers_alpn("imap") {
        Verdict::Yes(IMAPS)
    } else if flow.port_in(&[465]) {
        Verdict::Yes(SMTP_SECURE)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // imaps.pcap (192.168.1.8:50506 <-> 167.99.215.164:993) and pops.pcapng
    // (192.168.0.1:55077 <-> 10.10.10.1:995): the first bytes of each hello.
    const IMAPS_CH: &[u8] = &[
        0x16, 0x03, 0x01, 0x00, 0xde, 0x01, 0x00, 0x00, 0xda, 0x03, 0x03,
    ];
    const IMAPS_SH: &[u8] = &[
        0x16, 0x03, 0x03, 0x00, 0x61, 0x02, 0x00, 0x00, 0x5d, 0x03, 0x03,
    ];
    const POPS_CH: &[u8] = &[
        0x16, 0x03, 0x03, 0x00, 0xb3, 0x01, 0x00, 0x00, 0xaf, 0x03, 0x03,
    ];
    const POPS_SH: &[u8] = &[
        0x16, 0x03, 0x03, 0x00, 0x5d, 0x02, 0x00, 0x00, 0x59, 0x03, 0x03,
    ];

    #[test]
    fn tls_on_the_mail_ports() {
        assert_eq!(
            classify(&tcp(50506, 993, IMAPS_CH, IMAPS_SH)),
            Verdict::Yes(IMAPS)
        );
        assert_eq!(
            classify(&tcp(55077, 995, POPS_CH, POPS_SH)),
            Verdict::Yes(POP3S)
        );
        let mut f = tcp(50506, 4433, IMAPS_CH, b"");
        f.alpn = Some(vec!["imap".into()]);
        assert_eq!(classify(&f), Verdict::Yes(IMAPS));
        // pops.pcapng's hellos moved to port 465: the corpus has no completed SMTPS handshake
        // (smtps.pcapng's server answers a ClientHello on 465 with a cleartext greeting).
        assert_eq!(
            classify(&tcp(57406, 465, POPS_CH, POPS_SH)),
            Verdict::Yes(SMTP_SECURE)
        );
        // 6in4tunnel.pcap, [2604:a880:1:20::224:b001]:993: joined after the handshake.
        let app = [0x17, 3, 3, 0, 0x29, 0x40, 0x6e, 0xf3];
        assert_eq!(classify(&tcp(35610, 993, &app, b"")), Verdict::Yes(IMAPS));
    }

    #[test]
    fn not_mail_tls() {
        // TLS elsewhere is core's; cleartext on 993 is not TLS.
        assert_eq!(classify(&tcp(50506, 443, IMAPS_CH, IMAPS_SH)), Verdict::No);
        assert_eq!(
            classify(&tcp(50506, 993, b"a1 LOGIN x y\r\n", b"* OK\r\n")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(50506, 995, IMAPS_CH, b"+OK hi\r\n")),
            Verdict::No
        );
    }
}

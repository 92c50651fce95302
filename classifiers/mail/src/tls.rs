//! POP3S and IMAPS: POP3 and IMAP over implicit TLS (RFC 8314 §3.3, ports
//! 995 and 993). The payload proves TLS (RFC 8446 §5.1 record header, §4
//! ClientHello / ServerHello); the port, or the service's registered ALPN
//! id ("pop3", "imap", RFC 8314 §7 / IANA), tells which service it carries.

use crate::{Verdict, IMAPS, POP3S};
use flowsieve_sdk::prelude::*;

const HANDSHAKE: u8 = 22;
const CLIENT_HELLO: u8 = 1;
const SERVER_HELLO: u8 = 2;
const MAX_RECORD: u16 = (1 << 14) + 2048;

fn handshake(p: &[u8], msg_type: u8) -> bool {
    p.first() == Some(&HANDSHAKE)
        && p.get(1) == Some(&3)
        && p.get(2).is_some_and(|&minor| minor <= 4)
        && be_u16(p, 3).is_some_and(|len| len > 0 && len <= MAX_RECORD)
        && p.get(5) == Some(&msg_type)
}

pub(crate) fn is_tls(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if handshake(c, CLIENT_HELLO) {
        s.is_empty()
            || handshake(s, SERVER_HELLO)
            || (s.first() == Some(&21) && s.get(1) == Some(&3))
    } else {
        c.is_empty() && handshake(s, SERVER_HELLO)
    }
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if !is_tls(flow) {
        return Verdict::No;
    }
    let alpn = |id: &str| flow.alpn.iter().any(|a| a == id);
    if flow.port_in(&[995]) || alpn("pop3") {
        Verdict::Yes(POP3S)
    } else if flow.port_in(&[993]) || alpn("imap") {
        Verdict::Yes(IMAPS)
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
        f.alpn = vec!["imap".into()];
        assert_eq!(classify(&f), Verdict::Yes(IMAPS));
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

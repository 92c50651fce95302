//! SIP over UDP and over TCP (RFC 3261 §7.1, §7.2, §18, §25.1): a request line is
//! `Method SP Request-URI SP SIP/2.0 CRLF` with a sip:, sips: or tel: URI
//! (RFC 3966); a status line is `SIP/2.0 SP 3DIGIT SP`. Methods: RFC 3261's
//! six and the extensions registered with IANA (SUBSCRIBE/NOTIFY RFC 6665,
//! MESSAGE 3428, INFO 6086, PRACK 3262, UPDATE 3311, REFER 3515, PUBLISH
//! 3903). The payload decides; each direction that sent something must be
//! SIP.

use flowsieve_sdk::prelude::*;

const METHODS: &[&[u8]] = &[
    b"REGISTER",
    b"INVITE",
    b"ACK",
    b"BYE",
    b"CANCEL",
    b"OPTIONS",
    b"SUBSCRIBE",
    b"NOTIFY",
    b"MESSAGE",
    b"INFO",
    b"PRACK",
    b"UPDATE",
    b"REFER",
    b"PUBLISH",
];

/// A request or a status line, from either side.
pub(crate) fn leads() -> Vec<Lead> {
    let mut leads: Vec<Lead> = METHODS
        .iter()
        .map(|m| either(&[m, &b" "[..]].concat()))
        .collect();
    leads.push(either(b"SIP/2.0 "));
    leads
}

fn request(p: &[u8]) -> bool {
    let Some(m) = METHODS
        .iter()
        .find(|m| p.starts_with(m) && p.get(m.len()) == Some(&b' '))
    else {
        return false;
    };
    let uri = &p[m.len() + 1..];
    let line_end = uri.iter().position(|&b| b == b'\r').unwrap_or(uri.len());
    let line = &uri[..line_end];
    (starts_with_ignore_case(uri, b"sip:")
        || starts_with_ignore_case(uri, b"sips:")
        || starts_with_ignore_case(uri, b"tel:"))
        && line.ends_with(b" SIP/2.0")
}

fn status(p: &[u8]) -> bool {
    p.starts_with(b"SIP/2.0 ")
        && p.get(8..11)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && p.get(11) == Some(&b' ')
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let sip = |p: &[u8]| request(p) || status(p);
    match (c.is_empty(), s.is_empty()) {
        (false, false) => sip(c) && sip(s),
        (false, true) => sip(c),
        (true, false) => sip(s),
        (true, true) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // sip.pcap, 192.168.1.2:5060 <-> 212.242.33.35:5060.
    const REGISTER: &[u8] = b"REGISTER sip:sip.cybercity.dk SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.2;branch=z9hG4bKnp151248737-46ea715e192.168.1.2;rport\r\n";
    const UNAUTHORIZED: &[u8] = b"SIP/2.0 401 Unauthorized\r\n";

    #[test]
    fn sip() {
        assert!(
            matches(&udp(5060, 5060, REGISTER, UNAUTHORIZED))
                && crate::offered(crate::SIP_UDP, &udp(5060, 5060, REGISTER, UNAUTHORIZED))
        );
        assert!(
            matches(&udp(40000, 15060, REGISTER, b""))
                && crate::offered(crate::SIP_UDP, &udp(40000, 15060, REGISTER, b""))
        );
        assert!(
            matches(&udp(5060, 5060, b"", b"SIP/2.0 100 Trying\r\n"))
                && crate::offered(
                    crate::SIP_UDP,
                    &udp(5060, 5060, b"", b"SIP/2.0 100 Trying\r\n")
                )
        );
    }

    // sip_tcp.pcap (tests/tools/record/sip_tcp.sh): SIPp UAC
    // 127.0.0.1:15061 -> SIPp UAS :15060 over TCP, INVITE and 180 Ringing.
    pub(crate) const INVITE_TCP: &[u8] = b"INVITE sip:service@127.0.0.1:15060 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:15061;branch=z9hG4bK-25321-1-0\r\n";
    pub(crate) const RINGING_TCP: &[u8] =
        b"SIP/2.0 180 Ringing\r\nVia: SIP/2.0/TCP 127.0.0.1:15061;branch=z9hG4bK-25321-1-0\r\n";

    #[test]
    fn sip_tcp() {
        use flowsieve_sdk::testing::tcp;
        assert!(
            matches(&tcp(15061, 15060, INVITE_TCP, RINGING_TCP))
                && crate::offered(crate::SIP, &tcp(15061, 15060, INVITE_TCP, RINGING_TCP))
        );
        assert!(!matches(&tcp(
            15061,
            15060,
            INVITE_TCP,
            b"HTTP/1.1 200 OK\r\n"
        )));
    }

    #[test]
    fn not_sip() {
        // HTTP; a SIP-looking request without the version; SIP answered by HTTP.
        assert!(!matches(&udp(5060, 5060, b"GET / HTTP/1.1\r\n", b"")));
        assert!(!matches(&udp(
            5060,
            5060,
            b"REGISTER sip:x HTTP/1.1\r\n",
            b""
        )));
        assert!(!matches(&udp(5060, 5060, REGISTER, b"HTTP/1.1 200 OK\r\n")));
    }
}

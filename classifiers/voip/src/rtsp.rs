//! RTSP (RFC 2326 §6.1, §7.1; RFC 7826 for 2.0): a request line is
//! `Method SP Request-URI SP RTSP-Version CRLF` with an `rtsp:`, `rtsps:`
//! or `rtspu:` URI (or `*` for OPTIONS), a status line
//! `RTSP-Version SP 3DIGIT SP`. The payload decides; each direction that
//! sent something must be RTSP.

use flowsieve_sdk::prelude::*;

const METHODS: &[&[u8]] = &[
    b"OPTIONS",
    b"DESCRIBE",
    b"ANNOUNCE",
    b"SETUP",
    b"PLAY",
    b"PAUSE",
    b"RECORD",
    b"TEARDOWN",
    b"GET_PARAMETER",
    b"SET_PARAMETER",
    b"REDIRECT",
    b"PLAY_NOTIFY",
];

pub(crate) fn leads() -> Vec<Lead> {
    let mut leads: Vec<Lead> = METHODS
        .iter()
        .map(|m| client(&[m, &b" "[..]].concat()))
        .collect();
    leads.push(server(b"RTSP/"));
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
    let end = uri.iter().position(|&b| b == b'\r').unwrap_or(uri.len());
    let line = &uri[..end];
    (starts_with_ignore_case(uri, b"rtsp://")
        || starts_with_ignore_case(uri, b"rtsps://")
        || starts_with_ignore_case(uri, b"rtspu://")
        || uri.starts_with(b"* "))
        && (line.ends_with(b" RTSP/1.0") || line.ends_with(b" RTSP/2.0"))
}

fn status(p: &[u8]) -> bool {
    (p.starts_with(b"RTSP/1.0 ") || p.starts_with(b"RTSP/2.0 "))
        && p.get(9..12)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && p.get(12) == Some(&b' ')
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (c.is_empty(), s.is_empty()) {
        (false, false) => request(c) && status(s),
        (false, true) => request(c),
        (true, false) => status(s),
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // rtsp.pcap (tests/tools/record/rtsp.sh): ffmpeg publishing to an
    // ffmpeg RTSP listener, 127.0.0.1:57820 -> :18554.
    const OPTIONS: &[u8] = b"OPTIONS rtsp://127.0.0.1:18554/live RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: Lavf59.27.100\r\n\r\n";
    const OK: &[u8] = b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nServer: Lavf59.27.100\r\nPublic: ANNOUNCE, PAUSE, SETUP, TEARDOWN, RECORD\r\n\r\n";

    #[test]
    fn rtsp() {
        assert!(
            matches(&tcp(57820, 18554, OPTIONS, OK))
                && crate::offered(crate::RTSP, &tcp(57820, 18554, OPTIONS, OK))
        );
        assert!(
            matches(&tcp(57820, 554, OPTIONS, b""))
                && crate::offered(crate::RTSP, &tcp(57820, 554, OPTIONS, b""))
        );
    }

    #[test]
    fn not_rtsp() {
        // HTTP's OPTIONS; an RTSP request answered by HTTP; SIP's status line.
        assert!(!matches(&tcp(
            40000,
            80,
            b"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
            b""
        )));
        assert!(!matches(&tcp(40000, 554, OPTIONS, b"HTTP/1.1 200 OK\r\n")));
        assert!(!matches(&tcp(5060, 5060, b"", b"SIP/2.0 200 OK\r\n")));
    }
}

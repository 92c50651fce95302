//! HTTP/1.x (RFC 9110 §9 methods, RFC 5789 PATCH, RFC 9112 §3 request-line
//! and §4 status-line). Payload decides; any port.

use crate::{Verdict, HTTP};
use flowsieve_sdk::prelude::*;

const METHODS: &[&[u8]] = &[
    b"GET", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"CONNECT", b"TRACE", b"PATCH",
];

/// `HTTP/1.x SP 3DIGIT` (RFC 9112 §4).
fn is_status_line(p: &[u8]) -> bool {
    prefix_match(
        p,
        &[
            b'H' as u16,
            b'T' as u16,
            b'T' as u16,
            b'P' as u16,
            b'/' as u16,
            b'1' as u16,
            b'.' as u16,
            ANY,
            b' ' as u16,
        ],
    ) && p
        .get(9..12)
        .is_some_and(|code| code.iter().all(u8::is_ascii_digit))
}

/// A request line from the client or a status line from the server.
pub(crate) fn leads() -> Vec<Lead> {
    let mut leads: Vec<Lead> = METHODS
        .iter()
        .map(|m| client(&[m, &b" "[..]].concat()))
        .collect();
    leads.push(server(b"HTTP/1."));
    leads
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let request = ascii_method(c, METHODS);
    match (request, s.is_empty()) {
        // A request with its response, or a request still waiting for one.
        (true, true) => Verdict::Yes(HTTP),
        (true, false) if is_status_line(s) => Verdict::Yes(HTTP),
        // Joined mid-stream, or the request was lost: the status line alone.
        (false, _) if c.is_empty() && is_status_line(s) => Verdict::Yes(HTTP),
        _ => Verdict::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    #[test]
    fn request_and_response() {
        let f = tcp(
            50000,
            8080,
            b"POST /api HTTP/1.1\r\n",
            b"HTTP/1.1 201 Created\r\n",
        );
        assert_eq!(classify(&f), Verdict::Yes(HTTP));
        assert_eq!(
            classify(&tcp(50000, 80, b"HEAD / HTTP/1.0\r\n", b"")),
            Verdict::Yes(HTTP)
        );
        assert_eq!(
            classify(&tcp(50000, 80, b"", b"HTTP/1.0 404 Not Found")),
            Verdict::Yes(HTTP)
        );
    }

    #[test]
    fn look_alikes_are_rejected() {
        assert_eq!(classify(&tcp(50000, 80, b"GETTER", b"")), Verdict::No);
        assert_eq!(
            classify(&tcp(50000, 80, b"GET / HTTP/1.1", b"SSH-2.0-x")),
            Verdict::No
        );
        assert_eq!(classify(&tcp(50000, 80, b"", b"HTTP/1.1 2xx")), Verdict::No);
    }
}

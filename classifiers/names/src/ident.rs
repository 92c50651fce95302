//! The Identification Protocol, ident (RFC 1413 §§5–6): the client sends
//! `<port-on-server> , <port-on-client>` (decimal ports 1–65535, spaces
//! allowed around the comma) ended by CRLF; the server repeats the pair,
//! then `:` and `USERID` (with the operating system and the user id) or
//! `ERROR` (with the error type). The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    (b'1'..=b'9')
        .map(|d| client(&[d]))
        .chain([client(b" ")])
        .collect()
}

/// `port , port` with optional spaces; returns the rest.
fn port_pair(p: &[u8]) -> Option<&[u8]> {
    let mut rest = p;
    for i in 0..2 {
        while rest.first() == Some(&b' ') {
            rest = &rest[1..];
        }
        let digits = rest
            .iter()
            .take(6)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 5 || rest[0] == b'0' {
            return None;
        }
        let port: u32 = rest[..digits]
            .iter()
            .fold(0, |n, d| n * 10 + u32::from(d - b'0'));
        if port > 65535 {
            return None;
        }
        rest = &rest[digits..];
        while rest.first() == Some(&b' ') {
            rest = &rest[1..];
        }
        if i == 0 {
            rest = rest.strip_prefix(b",")?;
        }
    }
    Some(rest)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let query = port_pair(c).is_some_and(|r| r.starts_with(b"\r\n") || r.starts_with(b"\n"));
    let answer = s.is_empty()
        || port_pair(s)
            .and_then(|r| r.strip_prefix(b":"))
            .is_some_and(|r| {
                let r = r.trim_ascii_start();
                r.starts_with(b"USERID") || r.starts_with(b"ERROR")
            });
    query && answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/ident.pcap (tests/tools/record/misc.sh ident):
    // ngircd asking oidentd, 127.0.0.1:41327 <-> :113.
    const QUERY: &[u8] = b"41660 , 16668\r\n";
    const REPLY: &[u8] = b"41660,16668:USERID:UNIX:root\r\n";

    #[test]
    fn userid() {
        crate::check(matches, &tcp(41327, 113, QUERY, REPLY), crate::IDENT);
        crate::check(matches, &tcp(41327, 113, QUERY, b""), crate::IDENT);
    }

    #[test]
    fn not_ident() {
        // A port above 65535; Syslog over TCP (syslog-tcp.pcap), which also
        // starts with digits; an answer without USERID/ERROR.
        assert!(!matches(&tcp(41327, 113, b"71660 , 16668\r\n", b"")));
        assert!(!matches(&tcp(
            48948,
            113,
            b"113 <133>1 2026-11-28T00:34:41",
            b""
        )));
        assert!(!matches(&tcp(41327, 113, QUERY, b"41660,16668:OK\r\n")));
    }
}

//! SSH (RFC 4253 §4.2): each side opens with the identification string
//! `SSH-protoversion-softwareversion`, protoversion "2.0" (or "1.99"/"1.5"
//! from old peers). Either side may speak first; payload decides; any port.

use crate::{Verdict, SSH};
use flowsieve_sdk::prelude::*;

/// `SSH-<digit>.<digit>`.
fn is_banner(p: &[u8]) -> bool {
    p.starts_with(b"SSH-")
        && p.get(4).is_some_and(u8::is_ascii_digit)
        && p.get(5) == Some(&b'.')
        && p.get(6).is_some_and(u8::is_ascii_digit)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    // A bare line ending before the banner: ssh_unidirectional.pcap's client
    // sends "\r\n" alone (RFC 4253 §4.2 lets the server send other lines
    // first; clients that send an empty line exist in the wild).
    let ok =
        |p: &[u8]| p.is_empty() || is_banner(p) || p.iter().all(|b| matches!(b, b'\r' | b'\n'));
    if (is_banner(c) || is_banner(s)) && ok(c) && ok(s) {
        Verdict::Yes(SSH)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    #[test]
    fn banners() {
        let f = tcp(
            50000,
            22,
            b"SSH-2.0-OpenSSH_9.6\r\n",
            b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n",
        );
        assert_eq!(classify(&f), Verdict::Yes(SSH));
        assert_eq!(
            classify(&tcp(50000, 2222, b"", b"SSH-1.99-Cisco-1.25\r\n")),
            Verdict::Yes(SSH)
        );
    }

    /// ssh_unidirectional.pcap, 192.168.2.198:50306 -> 192.168.2.1:22: the client's only
    /// payload is "\r\n"; the server's banner names the flow.
    #[test]
    fn a_bare_line_ending_from_the_client() {
        let f = tcp(
            50306,
            22,
            b"\r\n",
            b"SSH-2.0-OpenSSH_7.4p1 Debian-10+deb9u7\r\n",
        );
        assert_eq!(classify(&f), Verdict::Yes(SSH));
        assert_eq!(classify(&tcp(50306, 22, b"\r\n", b"\r\n")), Verdict::No);
    }

    #[test]
    fn non_ssh() {
        assert_eq!(classify(&tcp(50000, 22, b"SSH-", b"")), Verdict::No);
        assert_eq!(
            classify(&tcp(50000, 22, b"GET /", b"SSH-2.0-x")),
            Verdict::No
        );
    }
}

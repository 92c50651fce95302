//! HTTP CONNECT tunnels (RFC 9110 §9.3.6): the request line is `CONNECT`,
//! an authority-form target `host:port` (RFC 9112 §3.2.3) and `HTTP/1.x`;
//! the proxy answers with a status line (2xx: the tunnel is open). Named
//! `HTTP_Tunnel` as libprotoident does, at its priority 1 so that it wins
//! over core's HTTP (2), which also accepts CONNECT. The port is not needed.

use crate::{Verdict, HTTP_TUNNEL};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"CONNECT ")]
}

fn request_line(p: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(b"CONNECT ") else {
        return false;
    };
    let Some(sp) = rest.iter().take(255).position(|&b| b == b' ') else {
        return false;
    };
    let (target, version) = (&rest[..sp], &rest[sp + 1..]);
    // host:port, the port all digits; an IPv6 literal in brackets allowed.
    let Some(colon) = target.iter().rposition(|&b| b == b':') else {
        return false;
    };
    let (host, port) = (&target[..colon], &target[colon + 1..]);
    !host.is_empty()
        && host
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b".-_[]:%".contains(b))
        && (1..=5).contains(&port.len())
        && port.iter().all(u8::is_ascii_digit)
        && version.starts_with(b"HTTP/1.")
}

fn status_line(p: &[u8]) -> bool {
    p.starts_with(b"HTTP/1.")
        && p.get(8) == Some(&b' ')
        && p.get(9..12)
            .is_some_and(|c| c.iter().all(u8::is_ascii_digit))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    if request_line(&flow.client.prefix) && (s.is_empty() || status_line(s)) {
        Verdict::Yes(HTTP_TUNNEL)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // http_connect.pcap (nDPI corpus), 192.168.1.103:1714 <-> :8080:
    // Firefox through Apache's mod_proxy.
    const CONNECT: &[u8] = b"CONNECT apache.org:443 HTTP/1.1\r\nUser-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:92.0) Gecko/20100101 Firefox/9";
    const ESTABLISHED: &[u8] =
        b"HTTP/1.0 200 Connection Established\r\nProxy-agent: Apache/2.4.41 (Ubuntu)\r\n\r\n";

    #[test]
    fn connect_tunnel() {
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify,
            &tcp(1714, 8080, CONNECT, ESTABLISHED),
            HTTP_TUNNEL,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify,
            &tcp(1714, 3128, CONNECT, b""),
            HTTP_TUNNEL,
        );
    }

    #[test]
    fn not_a_tunnel() {
        // NATS's CONNECT (nats.pcap) and a STOMP CONNECT frame (stomp.pcap),
        // a GET through the same proxy.
        let nats = b"CONNECT {\"echo\": true, \"headers\": true, \"lang\": \"python3\", \"no_responders\": true, \"pedantic\": false, \"protocol\": 1, \"ver";
        assert_eq!(classify(&tcp(35418, 4222, nats, b"")), Verdict::No);
        assert_eq!(
            classify(&tcp(
                60690,
                61613,
                b"CONNECT\naccept-version:1.1\n\n\x00",
                b""
            )),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(
                1714,
                8080,
                b"GET http://apache.org/ HTTP/1.1\r\n",
                ESTABLISHED
            )),
            Verdict::No
        );
    }
}

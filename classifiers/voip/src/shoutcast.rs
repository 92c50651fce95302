//! SHOUTcast/Icecast streaming (the ICY protocol as SHOUTcast DNAS 1.x and
//! Icecast 2 implement it; Icecast's source protocol, documented with
//! libshout): a source client publishes with `SOURCE /<mount> HTTP/1.x`
//! (Icecast's legacy method; `ICE/1.0` in older libshout) and streams the
//! audio after the server's answer; a SHOUTcast server answers listeners
//! with an ICY status line, `ICY 200 OK` (or `ICY 401 Service
//! Unavailable` …) instead of an HTTP one.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 2] {
    [client(b"SOURCE /"), server(b"ICY ")]
}

fn source(p: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(b"SOURCE /") else {
        return false;
    };
    let end = rest.iter().position(|&b| b == b'\r' || b == b'\n');
    let line = &rest[..end.unwrap_or(rest.len())];
    end.is_some()
        && (line.ends_with(b" HTTP/1.0")
            || line.ends_with(b" HTTP/1.1")
            || line.ends_with(b" ICE/1.0"))
}

fn icy_status(p: &[u8]) -> bool {
    p.starts_with(b"ICY ")
        && p.get(4..7)
            .is_some_and(|d| d.iter().all(u8::is_ascii_digit))
        && p.get(7) == Some(&b' ')
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if icy_status(s) {
        return c.is_empty() || starts_with(c, b"GET ");
    }
    source(c) && (s.is_empty() || s.starts_with(b"HTTP/1."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // shoutcast.pcap (tests/tools/record/shoutcast.sh): ffmpeg
    // 127.0.0.1:56258 -> icecast2 :18000, the SOURCE request and the answer.
    const SOURCE: &[u8] = b"SOURCE /live.mp3 HTTP/1.1\r\nUser-Agent: Lavf/59.27.100\r\nAccept: */*\r\nConnection: close\r\nHost: 127.0.0.1:18000\r\nContent-Type: audio/mpeg\r\n";
    const OK: &[u8] = b"HTTP/1.0 200 OK\r\n\r\n";

    #[test]
    fn shoutcast() {
        assert!(
            matches(&tcp(56258, 18000, SOURCE, OK))
                && crate::offered(crate::SHOUTCAST, &tcp(56258, 18000, SOURCE, OK))
        );
        assert!(
            matches(&tcp(56258, 8000, SOURCE, b""))
                && crate::offered(crate::SHOUTCAST, &tcp(56258, 8000, SOURCE, b""))
        );
        assert!(
            matches(&tcp(
                40000,
                8000,
                b"GET / HTTP/1.0\r\n",
                b"ICY 200 OK\r\nicy-name: x\r\n"
            )) && crate::offered(
                crate::SHOUTCAST,
                &tcp(
                    40000,
                    8000,
                    b"GET / HTTP/1.0\r\n",
                    b"ICY 200 OK\r\nicy-name: x\r\n"
                )
            )
        );
    }

    #[test]
    fn not_shoutcast() {
        // A plain HTTP exchange; SOURCE without a version; an RTSP answer.
        assert!(!matches(&tcp(
            40000,
            8000,
            b"GET / HTTP/1.0\r\n",
            b"HTTP/1.0 200 OK\r\n"
        )));
        assert!(!matches(&tcp(56258, 8000, b"SOURCE /live.mp3\r\n", b"")));
        assert!(!matches(&tcp(56258, 8000, SOURCE, b"RTSP/1.0 200 OK\r\n")));
    }
}

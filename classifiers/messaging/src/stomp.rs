//! STOMP 1.0–1.2 (STOMP Protocol Specification 1.2, "Connecting" and
//! "Augmented BNF"): the client's first frame is `CONNECT` or `STOMP`, the
//! command alone on its line (LF or CRLF), followed by `name:value` header
//! lines; the server answers with a `CONNECTED` or `ERROR` frame. The port
//! is not needed.

use crate::{Verdict, STOMP};
use flowsieve_sdk::prelude::*;

const COMMANDS: [&[u8]; 4] = [b"CONNECT\n", b"CONNECT\r\n", b"STOMP\n", b"STOMP\r\n"];

pub(crate) fn leads() -> Vec<Lead> {
    COMMANDS.iter().map(|c| client(c)).collect()
}

fn connect(p: &[u8]) -> bool {
    let Some(cmd) = COMMANDS.iter().find(|c| p.starts_with(c)) else {
        return false;
    };
    let rest = &p[cmd.len()..];
    // A header line (`name:value`) or the blank line ending the headers.
    let line_end = rest.iter().position(|&b| b == b'\n');
    match line_end {
        Some(0) => true,
        Some(1) if rest[0] == b'\r' => true,
        Some(n) => rest[..n].contains(&b':') && rest[..n].iter().all(|b| *b >= 0x20 || *b == b'\r'),
        None => rest.contains(&b':') || rest.is_empty(),
    }
}

fn answer(p: &[u8]) -> bool {
    [
        &b"CONNECTED\n"[..],
        b"CONNECTED\r\n",
        b"ERROR\n",
        b"ERROR\r\n",
    ]
    .iter()
    .any(|a| p.starts_with(a))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    if connect(&flow.client.prefix) && (s.is_empty() || answer(s)) {
        Verdict::Yes(STOMP)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/stomp.pcap (tests/tools/record/messaging.sh):
    // stomp.py against the CoilMQ broker, 127.0.0.1:60690 <-> :16613.
    const CONNECT: &[u8] = b"STOMP\naccept-version:1.1\n\n\x00";
    const CONNECTED: &[u8] = b"CONNECTED\nsession:0ea4ab6e-fac4-4522-abbd-6d28a0c54bb7\nversion:1.1\nserver:coilmq/1.1.0\ncontent-length:0\n\n\x00";

    #[test]
    fn connect_connected() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(60690, 16613, CONNECT, CONNECTED),
            STOMP,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(60690, 61613, CONNECT, b""),
            STOMP,
        );
    }

    #[test]
    fn not_stomp() {
        // An HTTP CONNECT (http_connect.pcap) and a NATS CONNECT (nats.pcap).
        let http = b"CONNECT apache.org:443 HTTP/1.1\r\nUser-Agent: Mozilla/5.0\r\n";
        assert_eq!(
            classify(&tcp(
                1714,
                8080,
                http,
                b"HTTP/1.1 200 Connection established\r\n"
            )),
            Verdict::No
        );
        let nats = b"CONNECT {\"echo\": true, \"headers\": true}\r\n";
        assert_eq!(
            classify(&tcp(35418, 4222, nats, b"INFO {\"server_id\":\"N\"}")),
            Verdict::No
        );
    }
}

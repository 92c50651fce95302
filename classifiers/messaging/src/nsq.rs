//! NSQ (nsq.io "TCP Protocol Spec"): after connecting, the client sends
//! the 4-byte protocol magic `  V2` (two spaces), then newline-terminated
//! commands (IDENTIFY, SUB, PUB, ...; IDENTIFY is followed by a 4-byte size
//! and a JSON body). nsqd answers with frames: a 4-byte size, a 4-byte
//! frame type (0 response, 1 error, 2 message) and the data. The port is
//! not needed.

use crate::{Verdict, NSQ};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"  V2")]
}

fn magic_and_command(p: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(b"  V2") else {
        return false;
    };
    let word = rest
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || **b == b'_')
        .count();
    rest.is_empty() || (word >= 3 && matches!(rest.get(word), Some(b'\n' | b' ') | None))
}

fn frame(p: &[u8]) -> bool {
    be_u32(p, 0).is_some_and(|size| (4..1 << 26).contains(&size))
        && be_u32(p, 4).is_some_and(|t| t <= 2)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    if magic_and_command(&flow.client.prefix) && (s.is_empty() || frame(s)) {
        Verdict::Yes(NSQ)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/nsq.pcap (tests/tools/record/clients-only.sh
    // nsq): pynsq's Writer, 127.0.0.1:52028 -> :4150: the magic (a packet
    // of its own), then IDENTIFY.
    const OPENING: &[u8] = b"  V2IDENTIFY\n\x00\x00\x014{\"short_id\": \"vm\", \"long_id\": \"vm\"";

    #[test]
    fn magic_and_identify() {
        let mut f = tcp(52028, 4150, OPENING, b"");
        f.client.first_payload_len = 4;
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(classify, &f, NSQ);
        // An OK response frame (size 6, type 0).
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(52028, 4150, OPENING, b"\x00\x00\x00\x06\x00\x00\x00\x00OK"),
            NSQ,
        );
    }

    #[test]
    fn not_nsq() {
        // Lower-case command; an HTTP answer.
        assert_eq!(
            classify(&tcp(52028, 4150, b"  V2identify\n", b"")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(52028, 4150, OPENING, b"HTTP/1.1 400 Bad Request\r\n")),
            Verdict::No
        );
    }
}

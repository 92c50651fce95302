//! AMQP (AMQP 0-9-1 §4.2.2 protocol header and §4.2.3 frames; OASIS AMQP
//! 1.0 §2.2 version negotiation), named `RabbitMQ` as libprotoident does:
//! the client opens with the 8-byte protocol header `AMQP` + protocol id +
//! version (0,0,9,1 / 1,1,0,9 / 1,1,0,10 for 0-9-1, 0-9, 0-10; 0,1,0,0 /
//! 2,1,0,0 / 3,1,0,0 for 1.0 plain, TLS and SASL layers) alone in its first
//! packet. The server answers with a Connection.Start method frame (type 1,
//! channel 0, class 10, method 10) or its own protocol header. The port is
//! not needed.

use crate::{Verdict, AMQP};
use flowsieve_sdk::prelude::*;

const VERSIONS: [[u8; 4]; 6] = [
    [0, 0, 9, 1],
    [1, 1, 0, 9],
    [1, 1, 0, 10],
    [0, 1, 0, 0],
    [2, 1, 0, 0],
    [3, 1, 0, 0],
];

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"AMQP")]
}

fn header(p: &[u8]) -> bool {
    p.starts_with(b"AMQP") && p.get(4..8).is_some_and(|v| VERSIONS.iter().any(|x| x == v))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    let start = s.first() == Some(&1)
        && s.get(1..3) == Some(&[0, 0])
        && s.get(7..11) == Some(&[0, 10, 0, 10]);
    if header(&flow.client.prefix)
        && flow.client.first_payload_len == 8
        && (s.is_empty() || start || header(s))
    {
        Verdict::Yes(AMQP)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/amqp.pcap (tests/tools/record/amqp.sh): pika
    // against RabbitMQ 3.10, 127.0.0.1:51726 <-> :15673: the 0-9-1 header
    // and Connection.Start (507 bytes).
    const HEADER: &[u8] = b"AMQP\x00\x00\x09\x01";
    const START: &[u8] = b"\x01\x00\x00\x00\x00\x01\xf3\x00\n\x00\n\x00\x09\x00\x00\x01\xce\x0ccapabilitiesF\x00\x00\x00\xc7\x12publ";

    #[test]
    fn header_and_start() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(51726, 15673, HEADER, START),
            AMQP,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(51726, 5672, HEADER, b""),
            AMQP,
        );
    }

    #[test]
    fn not_amqp() {
        // An unknown protocol id; the header followed by more bytes in the
        // same packet; an HTTP answer.
        assert_eq!(
            classify(&tcp(51726, 5672, b"AMQP\x07\x00\x09\x01", b"")),
            Verdict::No
        );
        let mut f = tcp(51726, 5672, HEADER, b"");
        f.client.first_payload_len = 20;
        assert_eq!(classify(&f), Verdict::No);
        assert_eq!(
            classify(&tcp(51726, 5672, HEADER, b"HTTP/1.1 400 Bad Request\r\n")),
            Verdict::No
        );
    }
}

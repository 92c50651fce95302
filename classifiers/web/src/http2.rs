//! HTTP/2 with prior knowledge over cleartext TCP (RFC 9113 §3.3 starting
//! with prior knowledge, §3.4 connection preface, §6.5 SETTINGS): the
//! client sends the 24-byte preface `PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`
//! followed by a SETTINGS frame; the server's preface is a SETTINGS frame
//! (type 4) on stream 0 whose length is a multiple of 6. The port is not
//! needed. (An `Upgrade: h2c` request stays HTTP/1.1 until the switch.)

use crate::{Verdict, HTTP2};
use flowsieve_sdk::prelude::*;

const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub(crate) fn leads() -> [Lead; 1] {
    [client(PREFACE)]
}

fn settings(p: &[u8]) -> bool {
    be_u24(p, 0).is_some_and(|len| len % 6 == 0 && len <= 16_384)
        && p.get(3) == Some(&4)
        && p.get(4).is_some_and(|f| f & !1 == 0)
        && be_u32(p, 5).is_some_and(|stream| stream & 0x7fff_ffff == 0)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let after = c.get(PREFACE.len()..).unwrap_or(&[]);
    if c.starts_with(PREFACE)
        && (after.is_empty() || settings(after))
        && (s.is_empty() || settings(s))
    {
        Verdict::Yes(HTTP2)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // http2.pcapng (nDPI corpus), 127.0.0.1:37824 <-> :29518: the client
    // preface with its SETTINGS, and the server's SETTINGS.
    const CLIENT: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x04\x00@\x00\x00\x00\x06\x00\xa0\x00\x00\x00\x00\x04\x08\x00\x00\x00\x00\x00@\x00\x00\x00";
    const SERVER: &[u8] = b"\x00\x00\x18\x04\x00\x00\x00\x00\x00\x00\x05\x00\x10\x00\x00\x00\x03\x00\x00\x00\xfa\x00\x06\x00\x10\x01@\x00\x04\x00\x10\x00\x00";

    #[test]
    fn prior_knowledge() {
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify,
            &tcp(37824, 29518, CLIENT, SERVER),
            HTTP2,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify,
            &tcp(37824, 80, CLIENT, b""),
            HTTP2,
        );
    }

    #[test]
    fn not_http2() {
        // An HTTP/1.1 server answering the preface (400), the preface cut
        // short, and an HTTP/1.1 request (http.pcapng).
        assert_eq!(
            classify(&tcp(37824, 80, CLIENT, b"HTTP/1.1 400 Bad Request\r\n")),
            Verdict::No
        );
        assert_eq!(classify(&tcp(37824, 80, &CLIENT[..16], b"")), Verdict::No);
        assert_eq!(
            classify(&tcp(
                37824,
                80,
                b"GET / HTTP/1.1\r\nHost: www.google.com\r\n",
                b""
            )),
            Verdict::No
        );
    }
}

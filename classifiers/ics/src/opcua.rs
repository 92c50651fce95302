//! OPC UA binary over TCP (OPC 10000-6, §7.1.2 "Message Header", §7.1.2.3
//! Hello, §7.1.2.4 Acknowledge, §7.1.2.5 Error, §7.1.2.6 ReverseHello):
//! every message starts with a 3-byte type, a chunk type (`F` for these),
//! and a little-endian 32-bit message size. The client opens with Hello
//! (`HELF`, at least 32 bytes: protocol version, four limits and the
//! endpoint URL as a length-prefixed string starting `opc.`); the server
//! answers `ACKF` (28 bytes) or `ERRF`. With a reverse connect, the server
//! speaks first with `RHEF`.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 2] {
    [client(b"HELF"), server(b"RHEF")]
}

fn size(p: &[u8]) -> Option<u32> {
    Some(u32::from_le_bytes(p.get(4..8)?.try_into().ok()?))
}

fn hello(p: &[u8]) -> bool {
    p.starts_with(b"HELF")
        && size(p).is_some_and(|n| (32..=0x1_0000).contains(&n))
        && p.get(32..36).is_none_or(|u| u == b"opc.")
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if s.starts_with(b"RHEF") {
        return size(s).is_some_and(|n| n >= 16) && (c.is_empty() || hello(c));
    }
    hello(c)
        && (s.is_empty()
            || (s.starts_with(b"ACKF") && size(s) == Some(28))
            || (s.starts_with(b"ERRF") && size(s).is_some_and(|n| n >= 16)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // opcua.pcap (tests/tools/record/opcua.sh): asyncua client
    // 127.0.0.1:34282 -> asyncua server :14840, Hello (first 44 of 68 bytes)
    // and Acknowledge.
    const HELLO: &[u8] = b"HELF\x44\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\x7f\xff\xff\xff\x7f\x00\x00\x00\x00\x00\x00\x00\x00\x24\x00\x00\x00opc.tcp://12";
    const ACK: &[u8] = b"ACKF\x1c\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\xff\xff\x00\x00\x00\x00\x40\x06\x41\x06\x00\x00";

    #[test]
    fn opcua() {
        assert!(
            matches(&tcp(34282, 14840, HELLO, ACK))
                && crate::offered(crate::OPC_UA, &tcp(34282, 14840, HELLO, ACK))
        );
        assert!(
            matches(&tcp(34282, 4840, HELLO, b""))
                && crate::offered(crate::OPC_UA, &tcp(34282, 4840, HELLO, b""))
        );
    }

    #[test]
    fn not_opcua() {
        // An endpoint URL of another scheme; a Hello answered by HTTP; a
        // HELO of SMTP.
        let mut http = HELLO.to_vec();
        http[32..36].copy_from_slice(b"http");
        assert!(!matches(&tcp(34282, 14840, &http, ACK)));
        assert!(!matches(&tcp(
            34282,
            14840,
            HELLO,
            b"HTTP/1.1 400 Bad Request\r\n"
        )));
        assert!(!matches(&tcp(
            34282,
            25,
            b"HELO example.org\r\n",
            b"250 ok\r\n"
        )));
    }
}

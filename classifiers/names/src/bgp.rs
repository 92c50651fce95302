//! BGP-4 (RFC 4271 §4.1 message header, §4.2 OPEN; RFC 2918
//! ROUTE-REFRESH): every message starts with a 16-byte marker of all ones,
//! a big-endian length of 19–4096 and a type of 1–5 (OPEN, UPDATE,
//! NOTIFICATION, KEEPALIVE, ROUTE-REFRESH); an OPEN carries version 4.
//! Both speakers open with OPEN; either side's message, with the other
//! silent or speaking BGP too, names the flow. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [either(&[0xff; 16])]
}

fn message(p: &[u8]) -> bool {
    p.get(..16) == Some(&[0xff; 16])
        && be_u16(p, 16).is_some_and(|len| (19..=4096).contains(&len))
        && match p.get(18) {
            Some(1) => p.get(19).is_none_or(|&v| v == 4),
            Some(2..=5) => true,
            _ => false,
        }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    (message(c) && (s.is_empty() || message(s))) || (c.is_empty() && message(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // BGP_Cisco_hdlc_slarp.pcap (nDPI corpus), 100.16.1.2:18324 <->
    // 100.16.1.1:179: both OPENs (57 bytes).
    const OPEN_C: &[u8] = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x39\x01\x04\x00\x01\x00\xb4\x0b\x0b\x0b\x0b\x1c\x02\x06\x01\x04\x00\x01\x00\x01";
    const OPEN_S: &[u8] = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x39\x01\x04\xfc\x00\x00\xb4\x6e\x6e\x6e\x6e\x1c\x02\x06\x01\x04\x00\x01\x00\x01";

    #[test]
    fn opens() {
        crate::check(matches, &tcp(18324, 179, OPEN_C, OPEN_S), crate::BGP);
        crate::check(matches, &tcp(18324, 179, b"", OPEN_S), crate::BGP);
    }

    #[test]
    fn not_bgp() {
        // Version 3; a length below the header; an HTTP answer.
        let mut v3 = OPEN_C.to_vec();
        v3[19] = 3;
        assert!(!matches(&tcp(18324, 179, &v3, b"")));
        let mut short = OPEN_C.to_vec();
        short[17] = 0x12;
        assert!(!matches(&tcp(18324, 179, &short, b"")));
        assert!(!matches(&tcp(
            18324,
            179,
            OPEN_C,
            b"HTTP/1.1 400 Bad Request\r\n"
        )));
    }
}

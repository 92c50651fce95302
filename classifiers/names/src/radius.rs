//! RADIUS (RFC 2865 §3 packet format, §5 attributes; RFC 2866 accounting;
//! RFC 5176 dynamic authorization; RFC 5997 Status-Server): a packet is a
//! code, an identifier, a big-endian length equal to the datagram's
//! (20–4096), a 16-byte authenticator and attributes (type, length >= 2)
//! that fit in it. Clients send requests (1, 4, 12, 40, 43); the server
//! answers with the request's identifier (2, 3, 5, 11, 41, 42, 44, 45); a
//! one-way flow may hold either. The port is not needed.

use flowsieve_sdk::prelude::*;

const REQUESTS: [u8; 5] = [1, 4, 12, 40, 43];
const ANSWERS: [u8; 8] = [2, 3, 5, 11, 41, 42, 44, 45];

pub(crate) fn leads() -> Vec<Lead> {
    REQUESTS
        .iter()
        .chain(&ANSWERS)
        .map(|&c| client(&[c]))
        .collect()
}

fn packet(side: &Side, codes: &[u8]) -> bool {
    let p = &side.prefix;
    let Some(len) = be_u16(p, 2) else {
        return false;
    };
    let len = usize::from(len);
    if !codes.contains(&p[0])
        || !(20..=4096).contains(&len)
        || len != side.first_payload_len as usize
    {
        return false;
    }
    if len == 20 {
        // Only an answer may carry no attribute at all.
        return ANSWERS.contains(&p[0]);
    }
    // The first attribute must be sound and fit; the length agreeing with
    // the datagram is the strong check. (Walking every attribute would
    // reject whole exchanges for one damaged attribute deep in a packet,
    // as in fuzz-2020-02-16-11740.pcap.)
    match (p.get(20), p.get(21)) {
        (Some(&kind), Some(&alen)) => kind != 0 && alen >= 2 && 20 + usize::from(alen) <= len,
        _ => p.len() <= 21,
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    if s.prefix.is_empty() {
        // A capture may start with the server's answers (one way).
        return packet(c, &REQUESTS) || packet(c, &ANSWERS);
    }
    packet(c, &REQUESTS) && packet(s, &ANSWERS) && s.prefix[1] == c.prefix[1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/radius.pcap (tests/tools/record/names.sh radius):
    // radclient against FreeRADIUS 3.2: Access-Request rejected
    // (127.0.0.1:37379 <-> :11812), Accounting-Request (:33170 -> :11813).
    const ACCESS: &[u8] = b"\x01`\x00+k\xfc\xfcE\x1ar\xd9,\xabf\x9c\xe3_W\x86\\\x01\x05bob\x02\x12\x11\xd3y\x95\xcc\xc4\xad\"l*\xceG\xa7\xfcR\xf5";
    const REJECT: &[u8] = b"\x03`\x00\x140i\xf8xe\xa8\xd9\xf7%y\xd8\xb8\xb0q\xca\r";
    const ACCT: &[u8] = b"\x04\x9c\x00+\x91\xe3\xef\xbc\xe2\xa4\xe4\xe7\x1bF\xd6W\r\x1a9i\x01\x05bob(\x06\x00\x00\x00\x01,\x0cflowsieve1";

    #[test]
    fn access_and_accounting() {
        crate::check(matches, &udp(37379, 11812, ACCESS, REJECT), crate::RADIUS);
        crate::check(matches, &udp(33170, 1813, ACCT, b""), crate::RADIUS);
    }

    #[test]
    fn longer_than_the_prefix() {
        // fuzz-2020-02-16-11740.pcap, 10.12.64.30:29200 <-> 198.226.25.53:1812:
        // a 703-byte Access-Request (EAP-SIM) and its 137-byte
        // Access-Challenge, of which the host passes prefixes.
        let req = b"\x01\n\x02\xbf^\x0e+xw3\x14b\x8a\xe3\xd5\xea\x0e\xfe\x91^\x1a\n\x00\x00W\xc8\x0e\x04US\x1a\x0c\x00\x00W\xc8\r\x06wi";
        let challenge =
            b"\x0b\n\x00\x89#8\x01\x16\x9f\x99\xc3\xb9RY\xd9\x81d\xbfV\xb1\x015031q480271516480@w";
        let mut f = udp(29200, 1812, req, challenge);
        f.client.first_payload_len = 703;
        f.server.first_payload_len = 137;
        crate::check(matches, &f, crate::RADIUS);
    }

    #[test]
    fn damaged_attribute_and_one_way_answer() {
        // fuzz-2020-02-16-11740.pcap, 10.12.64.30:29200 -> 206.226.25.53:1812:
        // a 703-byte Access-Request whose third attribute is damaged
        // (length 0); 198.157.25.53:1812 -> 10.12.64.30:29200: an
        // Access-Challenge seen without its request.
        let damaged = b"\x01\x3c\x02\xbf\x39\xbd\x88\x02\x08\x93\x57\xbd\xf1\x95\x96\x24\x17\xae\x35\xc1\x1a\x0a\x00\x00\x57\xc8\x0e\x04\x25\x00\x1a\x0c\x00\x00\x57\xc8\x0d\x06\x77\x69\x66\x69\x25\x00\x00";
        let mut f = udp(29200, 1812, damaged, b"");
        f.client.first_payload_len = 703;
        crate::check(matches, &f, crate::RADIUS);
        let challenge =
            b"\x0b@\x00\xc5q\xc4\x1bh\xed4\"\xba>)\xbd\x8f\x13\x83dD\x0150311480073638072@w";
        let mut f = udp(1812, 29200, challenge, b"");
        f.client.first_payload_len = 197;
        crate::check(matches, &f, crate::RADIUS);
    }

    #[test]
    fn not_radius() {
        // A length that disagrees with the datagram; another identifier
        // back; a DHCPv6 SOLICIT (android.pcap, type 1 too).
        let mut f = udp(37379, 1812, ACCESS, b"");
        f.client.first_payload_len = 44;
        assert!(!matches(&f));
        let mut other = REJECT.to_vec();
        other[1] ^= 1;
        assert!(!matches(&udp(37379, 1812, ACCESS, &other)));
        let solicit = b"\x01\xd8\xe4\xfe\x00\x01\x00\x0e\x00\x01\x00\x01%\xe5\x14\x8eLj\xf6\x9f\xf6'\x00\x03\x00\x0c\x0e\x00\x08\xca\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08\x00\x02\x00\x00\x00\x06\x00\x04\x00\x17\x00\x18";
        assert!(!matches(&udp(546, 1812, solicit, b"")));
    }
}

//! LLMNR (RFC 4795 §2.1.1 header, §2.4 ports): DNS-format messages on UDP
//! port 5355 (the manifest's port hint: the port is what separates LLMNR
//! from DNS). A query has QR 0, opcode 0, RCODE 0, exactly one question
//! and no answer or authority records; a response (QR 1) repeats the
//! query's id and question count. The payload must still parse.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    // QR and opcode clear, QDCOUNT 1, ANCOUNT 0, NSCOUNT 0.
    [client(&[0, 0, 0, 1, 0, 0, 0, 0])
        .at(2)
        .masked(&[0xf8, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]
}

fn query(p: &[u8], size: usize) -> bool {
    p.len() >= 12 + 5
        && p[2] & 0xf8 == 0
        && p[3] & 0x0f == 0
        && be_u16(p, 4) == Some(1)
        && be_u16(p, 6) == Some(0)
        && be_u16(p, 8) == Some(0)
        // A name (at least one label and the root) and QTYPE/QCLASS.
        && (1..64).contains(&p[12])
        && size >= 12 + usize::from(p[12]) + 2 + 4
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    let size = (c.first_payload_len as usize).max(c.prefix.len());
    flow.port_in(&[5355])
        && query(&c.prefix, size)
        && (s.prefix.is_empty()
            || (s.prefix.len() >= 12
                && s.prefix[..2] == c.prefix[..2]
                && s.prefix[2] & 0xf8 == 0x80
                && be_u16(&s.prefix, 4) == Some(1)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tests/data/recorded/llmnr.pcap (tests/tools/record/names.sh llmnr):
    // dig's LLMNR-format query for "flowsieve", 127.0.0.1:44510 -> :5355.
    const QUERY: &[u8] =
        b"M\xa0\x00 \x00\x01\x00\x00\x00\x00\x00\x00\x09flowsieve\x00\x00\x01\x00\x01";

    // Suricata's tls-subjectaltname capture (corpus/suricata/
    // tls_tls-subjectaltname/input.pcap), [fe80::b9a3:aa8f:3e8e:fe86]:56964
    // -> [ff02::1:3]:5355: Windows asking for "User-PC" (QTYPE ANY).
    const WINDOWS: &[u8] =
        b"O{\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07User-PC\x00\x00\xff\x00\x01";

    #[test]
    fn llmnr_query() {
        crate::check(matches, &udp(44510, 5355, QUERY, b""), crate::LLMNR);
        crate::check(matches, &udp(56964, 5355, WINDOWS, b""), crate::LLMNR);
    }

    #[test]
    fn not_llmnr() {
        // The same bytes on port 53 are DNS; two questions, or an answer
        // record in a query, are not LLMNR.
        assert!(!matches(&udp(44510, 53, QUERY, b"")));
        let mut two = QUERY.to_vec();
        two[5] = 2;
        assert!(!matches(&udp(44510, 5355, &two, b"")));
        let mut answer = QUERY.to_vec();
        answer[7] = 1;
        assert!(!matches(&udp(44510, 5355, &answer, b"")));
    }
}

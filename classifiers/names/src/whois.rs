//! WHOIS (RFC 3912 §2): on TCP port 43 the client sends one query line,
//! ASCII text ended by CR LF, alone in its first packet; the server answers
//! with text and closes. The query is free text, so the registered port
//! decides (the manifest's port hint) and the payload must still be a
//! single printable line; the answer, if any, printable text.

use flowsieve_sdk::prelude::*;

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server.prefix);
    let p = &c.prefix;
    let Some(end) = p.iter().position(|&b| b == b'\r') else {
        return false;
    };
    let query = (1..=255).contains(&end)
        && p[..end]
            .iter()
            .all(|b| (0x20..0x7f).contains(b) || *b >= 0x80)
        && p.get(end + 1) == Some(&b'\n')
        && c.first_payload_len as usize == end + 2;
    let answer = s.is_empty()
        || s[..s.len().min(32)]
            .iter()
            .all(|&b| (0x20..0x7f).contains(&b) || matches!(b, b'\r' | b'\n' | b'\t') || b >= 0x80);
    flow.port_in(&[43]) && query && answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/whois.pcap (tests/tools/record/clients-only.sh
    // whois): Debian's whois client querying 127.0.0.1:43 (a silent
    // listener), 127.0.0.1:60656.
    const QUERY: &[u8] = b"flowsieve.example\r\n";

    #[test]
    fn query() {
        crate::check(matches, &tcp(60656, 43, QUERY, b""), crate::WHOIS);
        crate::check(
            matches,
            &tcp(
                60656,
                43,
                QUERY,
                b"% This is the RIPE Database query service.\n",
            ),
            crate::WHOIS,
        );
    }

    #[test]
    fn not_whois() {
        // Off port 43; two lines in the first packet; a TLS answer.
        assert!(!matches(&tcp(60656, 4343, QUERY, b"")));
        assert!(!matches(&tcp(60656, 43, b"a\r\nb\r\n", b"")));
        assert!(!matches(&tcp(60656, 43, QUERY, &[0x16, 3, 3, 0, 0x3a, 2])));
    }
}

//! IMAP (RFC 9051 §7.1, RFC 3501 §7.1): the server greets first with an
//! untagged `* OK`, `* PREAUTH` or `* BYE` response; every client command is
//! `tag SP command` where the tag is a run of ASTRING-CHARs other than `+`
//! (§9 formal syntax) and the command an atom of letters.

use crate::{Verdict, IMAP};

fn greeting(p: &[u8]) -> bool {
    [&b"* OK"[..], b"* PREAUTH", b"* BYE"].iter().any(|g| {
        p.len() > g.len()
            && p[..g.len()].eq_ignore_ascii_case(g)
            && matches!(p[g.len()], b' ' | b'\r')
    })
}

fn tag_char(b: u8) -> bool {
    b.is_ascii_graphic() && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b'+')
}

fn command(p: &[u8]) -> bool {
    let Some(sp) = p.iter().take(33).position(|&b| b == b' ') else {
        return false;
    };
    let rest = &p[sp + 1..];
    let letters = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    sp > 0
        && p[..sp].iter().all(|&b| tag_char(b))
        && letters >= 2
        && matches!(rest.get(letters), Some(b' ' | b'\r' | b'\n'))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if !greeting(s) {
        return Verdict::No;
    }
    if c.is_empty() || command(c) {
        Verdict::Yes(IMAP)
    } else {
        Verdict::No
    }
}

use flowsieve_sdk::FlowView;

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // imap.pcap, flow 10.40.4.2:46045 <-> 10.40.3.2:143.
    const GREETING: &[u8] = b"* OK IMAP4Rev1 Server Version 4.9.04.012\r\n";
    const CAPABILITY: &[u8] = b"C00000 CAPABILITY\r\n";

    #[test]
    fn imap_dialogue() {
        assert_eq!(
            classify(&tcp(46045, 143, CAPABILITY, GREETING)),
            Verdict::Yes(IMAP)
        );
        assert_eq!(
            classify(&tcp(46045, 10143, b"", GREETING)),
            Verdict::Yes(IMAP)
        );
        assert_eq!(
            classify(&tcp(46045, 143, b"a1 LOGIN u p\r\n", b"* PREAUTH ok\r\n")),
            Verdict::Yes(IMAP)
        );
        // RFC 2971 ID, the shortest command a client opens with.
        assert_eq!(
            classify(&tcp(46045, 143, b"1 ID (\"name\" \"x\")\r\n", GREETING)),
            Verdict::Yes(IMAP)
        );
    }

    #[test]
    fn not_imap() {
        assert_eq!(
            classify(&tcp(46045, 143, b"", b"+OK POP3 ready\r\n")),
            Verdict::No
        );
        // A greeting answered by something that is no IMAP command.
        assert_eq!(
            classify(&tcp(46045, 143, b"\x16\x03\x01\x00\x05\x01", GREETING)),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(46045, 143, b"GET / HTTP/1.1\r\n", GREETING)),
            Verdict::No
        );
    }
}

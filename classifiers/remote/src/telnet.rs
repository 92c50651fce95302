//! Telnet option negotiation (RFC 854 "Telnet Protocol Specification",
//! RFC 855 "Telnet Option Specifications"): IAC (0xFF) followed by WILL,
//! WON'T, DO or DON'T (0xFB–0xFE) and an option code, or by SB (0xFA)
//! opening a subnegotiation closed by IAC SE (0xF0). A Telnet server opens
//! by negotiating options; a side whose first packet is made only of such
//! commands (at least two), answered by the other side with negotiation
//! or text, is Telnet. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    (0xfa..=0xfe).map(|cmd| either(&[0xff, cmd])).collect()
}

/// Number of complete negotiation commands filling `p` (up to the first
/// packet's length), or None if anything else appears.
fn negotiation(p: &[u8], size: usize) -> Option<usize> {
    let end = size.min(p.len());
    let mut at = 0;
    let mut commands = 0;
    while at < end {
        if p[at] != 0xff {
            return None;
        }
        match *p.get(at + 1)? {
            0xfb..=0xfe => {
                p.get(at + 2)?;
                at += 3;
            }
            0xfa => {
                // SB option ... IAC SE.
                let rest = p.get(at + 2..end)?;
                let close = rest.windows(2).position(|w| w == [0xff, 0xf0])?;
                at += 2 + close + 2;
            }
            _ => return None,
        }
        commands += 1;
    }
    (commands > 0).then_some(commands)
}

fn size(side: &Side) -> usize {
    side.first_payload_len as usize
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    let opens = |a: &Side, b: &Side| {
        negotiation(&a.prefix, size(a)).is_some_and(|n| n >= 2)
            && (b.prefix.is_empty()
                || negotiation(&b.prefix, size(b)).is_some()
                || (b.prefix[0] != 0xff && is_ascii_text(&b.prefix[..b.prefix.len().min(16)])))
    };
    opens(s, c) || opens(c, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/telnet.pcap (tests/tools/record/remote.sh):
    // inetutils telnetd and the telnet client, 127.0.0.1:40648 <-> :11023.
    const SERVER: &[u8] = b"\xff\xfb%\xff\xfb&\xff\xfd\x18\xff\xfd \xff\xfd#\xff\xfd'\xff\xfd$";
    const CLIENT: &[u8] =
        b"\xff\xfd%\xff\xfd&\xff\xfa&\x01\xff\xf0\xff\xfb\x18\xff\xfb \xff\xfc#\xff\xfb'\xff\xfc$";

    #[test]
    fn negotiation_both_ways() {
        crate::check(matches, &tcp(40648, 11023, CLIENT, SERVER), crate::TELNET);
        crate::check(matches, &tcp(40648, 23, b"", SERVER), crate::TELNET);
    }

    #[test]
    fn not_telnet() {
        // One command only; a ZeroMQ greeting (zeromq.pcap, 0xFF first);
        // negotiation answered by a TLS record.
        assert!(!matches(&tcp(40648, 23, b"", &SERVER[..3])));
        let zmtp = b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f";
        assert!(!matches(&tcp(55986, 15555, zmtp, zmtp)));
        assert!(!matches(&tcp(40648, 23, &[0x16, 3, 3, 0, 0x3a, 2], SERVER)));
    }
}

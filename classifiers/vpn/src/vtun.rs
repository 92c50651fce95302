//! VTun (vtun 3.x `auth.c`, `vtun.h`): the server greets each connection
//! with `VTUN server ver <version>\n`, the client names its session with
//! `HOST: <name>\n`, then a challenge/response follows (`OK CHAL: <…>`,
//! `CHAL: <…>`, `OK FLAGS: <…>`). Every message is sent in a fixed
//! 50-byte buffer (VTUN_MESG_SIZE), NUL-padded after the line.

use flowsieve_sdk::prelude::*;

const MESG: usize = 50;
const GREETING: &[u8] = b"VTUN server ver ";

pub(crate) fn leads() -> [Lead; 2] {
    [server(GREETING), client(b"HOST: ")]
}

/// A NUL-padded message starting with `head`, its line printable.
fn message(p: &[u8], head: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(head) else {
        return false;
    };
    let Some(nl) = rest.iter().position(|&b| b == b'\n') else {
        return false;
    };
    let padding = p.get(head.len() + nl + 1..MESG.min(p.len())).unwrap_or(&[]);
    nl > 0
        && head.len() + nl < MESG
        && rest[..nl].iter().all(|&b| (0x20..0x7f).contains(&b))
        && padding.iter().all(|&b| b == 0)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    message(s, GREETING) && (c.is_empty() || message(c, b"HOST: "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    fn padded(line: &[u8]) -> Vec<u8> {
        let mut v = line.to_vec();
        v.resize(MESG, 0);
        v
    }

    // vtun.pcap (tests/tools/record/vtun.sh): vtund client 127.0.0.1:43175
    // -> vtund server :15000, the greeting and the session name.
    const GREET: &[u8] = b"VTUN server ver 3.X 05/14/2022\n";
    const HOST: &[u8] = b"HOST: flowsieve\n";

    #[test]
    fn vtun() {
        assert!(
            matches(&tcp(43175, 15000, &padded(HOST), &padded(GREET)))
                && crate::offered(
                    crate::VTUN,
                    &tcp(43175, 15000, &padded(HOST), &padded(GREET))
                )
        );
        assert!(
            matches(&tcp(43175, 5000, b"", &padded(GREET)))
                && crate::offered(crate::VTUN, &tcp(43175, 5000, b"", &padded(GREET)))
        );
    }

    #[test]
    fn not_vtun() {
        // A greeting without its padding; a client that is not VTun; the
        // client's line alone.
        let mut junk = padded(GREET);
        junk[40] = b'x';
        assert!(!matches(&tcp(43175, 5000, b"", &junk)));
        assert!(!matches(&tcp(
            43175,
            5000,
            b"GET / HTTP/1.1\r\n",
            &padded(GREET)
        )));
        assert!(!matches(&tcp(43175, 5000, &padded(HOST), b"")));
    }
}

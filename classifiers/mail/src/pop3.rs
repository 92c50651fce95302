//! POP3 (RFC 1939): the server greets first with a positive status
//! indicator, `+OK` followed by a space or the end of the line (§3, §4);
//! the client's first command is one of the AUTHORIZATION-state commands
//! (USER, APOP §7; CAPA, STLS RFC 2449/2595; AUTH RFC 5034; QUIT),
//! case-insensitive keywords followed by a space or CRLF (§3).

use crate::{Verdict, POP3};
use flowsieve_sdk::prelude::*;

const COMMANDS: &[&[u8]] = &[b"USER", b"APOP", b"CAPA", b"STLS", b"AUTH", b"QUIT"];

pub(crate) fn greeting(p: &[u8]) -> bool {
    p.starts_with(b"+OK") && matches!(p.get(3), Some(b' ' | b'\r' | b'\n'))
}

fn command(p: &[u8]) -> bool {
    COMMANDS.iter().any(|c| starts_with_ignore_case(p, c))
        && matches!(p.get(4), Some(b' ' | b'\r' | b'\n'))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if !greeting(s) {
        return Verdict::No;
    }
    if c.is_empty() || command(c) {
        Verdict::Yes(POP3)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // pop3.pcap, flow 143.225.229.181:35287 <-> 74.208.5.28:110.
    const GREETING: &[u8] = b"+OK POP server ready H migmxus005\r\n";
    const USER: &[u8] = b"user ciccioopernacchio@mail.com\r\n";

    #[test]
    fn pop3_dialogue() {
        assert_eq!(
            classify(&tcp(35287, 110, USER, GREETING)),
            Verdict::Yes(POP3)
        );
        // Any port: the greeting decides.
        assert_eq!(
            classify(&tcp(35287, 2110, b"", GREETING)),
            Verdict::Yes(POP3)
        );
    }

    #[test]
    fn not_pop3() {
        // An SMTP greeting; a POP3-looking greeting answered with HTTP.
        assert_eq!(
            classify(&tcp(50000, 110, b"", b"220 mx ESMTP\r\n")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(50000, 110, b"GET / HTTP/1.1\r\n", GREETING)),
            Verdict::No
        );
        assert_eq!(classify(&tcp(50000, 110, b"", b"+OKAY")), Verdict::No);
    }
}

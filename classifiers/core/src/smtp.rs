//! SMTP (RFC 5321): the server greets first with reply code 220 (§4.2,
//! `220 SP` or the multi-line `220-`), the client opens with EHLO or HELO
//! (§4.1.1.1; verbs are case-insensitive, §2.4). FTP also greets with 220,
//! so a greeting alone is only SMTP on the submission/relay ports; elsewhere
//! the rule waits for the client's verb.

use crate::{Verdict, SMTP};
use flowsieve_sdk::prelude::*;

fn greeting(p: &[u8]) -> bool {
    p.starts_with(b"220 ") || p.starts_with(b"220-")
}

fn hello(p: &[u8]) -> bool {
    (starts_with_ignore_case(p, b"EHLO") || starts_with_ignore_case(p, b"HELO"))
        && matches!(p.get(4), Some(b' ' | b'\r'))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if !greeting(s) {
        return Verdict::No;
    }
    if hello(c) {
        Verdict::Yes(SMTP)
    } else if c.is_empty() {
        if flow.port_in(&[25, 587]) {
            Verdict::Yes(SMTP)
        } else {
            Verdict::Maybe
        }
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    #[test]
    fn smtp_dialogue() {
        let f = tcp(
            50000,
            2525,
            b"ehlo client.example\r\n",
            b"220 mx.example ESMTP\r\n",
        );
        assert_eq!(classify(&f), Verdict::Yes(SMTP));
        assert_eq!(
            classify(&tcp(50000, 25, b"", b"220-mx ESMTP\r\n")),
            Verdict::Yes(SMTP)
        );
    }

    #[test]
    fn ftp_greeting_waits_then_fails() {
        assert_eq!(
            classify(&tcp(50000, 21, b"", b"220 FTP ready\r\n")),
            Verdict::Maybe
        );
        assert_eq!(
            classify(&tcp(50000, 21, b"USER anonymous\r\n", b"220 FTP ready\r\n")),
            Verdict::No
        );
    }
}

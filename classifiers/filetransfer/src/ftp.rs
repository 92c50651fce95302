//! FTP control connection (RFC 959 §4.2, §5.4): the server greets first
//! with reply 220 (`220 SP` or the multi-line `220-`); the client's first
//! command is one a client sends before logging in: USER (§4.1.1), AUTH
//! (RFC 4217 §4), FEAT (RFC 2389), SYST, OPTS, HOST (RFC 7151). Commands are
//! case-insensitive (§5.3). SMTP also greets with 220 and answers EHLO/HELO,
//! so a greeting alone is only FTP on port 21; elsewhere the rule waits for
//! the client's command.

use crate::{Verdict, FTP_CONTROL};
use flowsieve_sdk::prelude::*;

const COMMANDS: &[&[u8]] = &[b"USER", b"AUTH", b"FEAT", b"SYST", b"OPTS", b"HOST"];

fn greeting(p: &[u8]) -> bool {
    p.starts_with(b"220 ") || p.starts_with(b"220-")
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
    if command(c) {
        Verdict::Yes(FTP_CONTROL)
    } else if c.is_empty() {
        if flow.server_port == 21 {
            Verdict::Yes(FTP_CONTROL)
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

    // ftp.pcap (192.168.1.212:50694 <-> 90.130.70.73:21) and ftp_failed.pcap.
    const GREETING: &[u8] = b"220 (vsFTPd 3.0.3)\r\n";

    #[test]
    fn ftp_login() {
        assert_eq!(
            classify(&tcp(50694, 21, b"USER anonymous\r\n", GREETING)),
            Verdict::Yes(FTP_CONTROL)
        );
        assert_eq!(
            classify(&tcp(44724, 2121, b"USER hello\r\n", GREETING)),
            Verdict::Yes(FTP_CONTROL)
        );
        assert_eq!(
            classify(&tcp(44724, 21, b"", GREETING)),
            Verdict::Yes(FTP_CONTROL)
        );
        assert_eq!(classify(&tcp(44724, 2121, b"", GREETING)), Verdict::Maybe);
    }

    #[test]
    fn smtp_is_not_ftp() {
        assert_eq!(
            classify(&tcp(50000, 25, b"EHLO client\r\n", b"220 mx ESMTP\r\n")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(50000, 21, b"USER x\r\n", b"+OK POP3\r\n")),
            Verdict::No
        );
    }
}

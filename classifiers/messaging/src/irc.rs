//! IRC client registration (RFC 2812 §3.1, RFC 1459 §4.1, IRCv3 capability
//! negotiation `CAP`): a client's first line is `PASS`, `NICK`, `USER` or
//! `CAP`, a printable line ended by CRLF (or LF). The server's lines start
//! with a `:prefix` followed by a numeric reply or a command, or with
//! `NOTICE`, `PING` or `ERROR`. Without a server answer, the client must
//! register with both NICK and USER. The port is not needed.

use crate::{Verdict, IRC};
use flowsieve_sdk::prelude::*;

const OPENERS: [&[u8]; 4] = [b"NICK ", b"USER ", b"PASS ", b"CAP "];

pub(crate) fn leads() -> Vec<Lead> {
    OPENERS.iter().map(|o| client(o)).collect()
}

/// The first line of `p`, if it ends within `p` and is printable.
fn first_line(p: &[u8]) -> Option<&[u8]> {
    let nl = p.iter().position(|&b| b == b'\n')?;
    let line = p[..nl].strip_suffix(b"\r").unwrap_or(&p[..nl]);
    (!line.is_empty() && line.iter().all(|b| (0x20..0x7f).contains(b) || *b >= 0x80))
        .then_some(line)
}

fn server_line(p: &[u8]) -> bool {
    let Some(line) = first_line(p) else {
        return false;
    };
    if let Some(rest) = line.strip_prefix(b":") {
        let Some(sp) = rest.iter().position(|&b| b == b' ') else {
            return false;
        };
        let cmd = &rest[sp + 1..];
        let word = cmd.iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        sp > 0
            && cmd.get(word) == Some(&b' ')
            && ((word == 3 && cmd[..3].iter().all(u8::is_ascii_digit))
                || (word >= 3 && cmd[..word].iter().all(u8::is_ascii_uppercase)))
    } else {
        line.starts_with(b"NOTICE ") || line.starts_with(b"PING :") || line.starts_with(b"ERROR :")
    }
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if !OPENERS.iter().any(|o| c.starts_with(o)) || first_line(c).is_none() {
        return Verdict::No;
    }
    // A line starting with `w`: the first, or one after a newline.
    let has = |w: &[u8]| {
        c.starts_with(w)
            || c.windows(w.len() + 1)
                .any(|x| x[0] == b'\n' && &x[1..] == w)
    };
    let registers = || has(b"NICK ") && has(b"USER ");
    if server_line(s) || (s.is_empty() && registers()) {
        Verdict::Yes(IRC)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/irc.pcap (tests/tools/record/messaging.sh): the
    // `irc` library's client registering with ngircd 26,
    // 127.0.0.1:33786 <-> :16667.
    const REGISTER: &[u8] = b"NICK flowsieve\r\nUSER flowsieve 0 * :flowsieve\r\n";
    const WELCOME: &[u8] = b":irc.flowsieve.test 001 flowsieve :Welcome to the Internet Relay Network flowsieve!~flowsieve@127.0.0.1\r\n";

    #[test]
    fn registration() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(33786, 16667, REGISTER, WELCOME),
            IRC,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(33786, 6667, REGISTER, b""),
            IRC,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(
                33786,
                6667,
                b"NICK flowsieve\r\n",
                b"NOTICE AUTH :*** Looking up your hostname...\r\n",
            ),
            IRC,
        );
    }

    #[test]
    fn not_irc() {
        // FTP and POP3 logins (ftp.pcap, pop3.pcap) also send USER.
        assert_eq!(
            classify(&tcp(
                33786,
                21,
                b"USER anonymous\r\n",
                b"220 (vsFTPd 3.0.3)\r\n"
            )),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(33786, 110, b"USER bob\r\n", b"+OK POP3 ready\r\n")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(33786, 6667, b"USER bob\r\n", b"")),
            Verdict::No
        );
    }
}

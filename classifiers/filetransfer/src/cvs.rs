//! CVS pserver authentication (the CVS manual, "Password authentication
//! protocol" in cvsclient "Connection and Authentication"): the client
//! opens with `BEGIN AUTH REQUEST`, `BEGIN VERIFICATION REQUEST` or `BEGIN
//! GSSAPI REQUEST` on a line of its own, then the repository path (absolute)
//! and the user; the server answers `I LOVE YOU` or `I HATE YOU`, or an
//! error (`E ` message lines, `error `). The port is not needed.

use crate::{Verdict, CVS};
use flowsieve_sdk::prelude::*;

const OPENERS: [&[u8]; 3] = [
    b"BEGIN AUTH REQUEST\n",
    b"BEGIN VERIFICATION REQUEST\n",
    b"BEGIN GSSAPI REQUEST\n",
];

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"BEGIN ")]
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let request = OPENERS.iter().any(|o| {
        c.strip_prefix(*o).is_some_and(|rest| {
            rest.is_empty() || rest[0] == b'/' || o.starts_with(b"BEGIN GSSAPI")
        })
    });
    let answer = s.is_empty()
        || [&b"I LOVE YOU\n"[..], b"I HATE YOU\n", b"E ", b"error "]
            .iter()
            .any(|a| s.starts_with(a));
    if request && answer {
        Verdict::Yes(CVS)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/cvs.pcap (tests/tools/record/filetransfer.sh):
    // cvs login against cvs pserver 1.12, 127.0.0.1:43334 <-> :12401 (the
    // user is unknown: the server refuses).
    const VERIFY: &[u8] = b"BEGIN VERIFICATION REQUEST\n/tmp/record.VRlO02/cvsroot\nflowsieve\nAZdh d,\nEND VERIFICATION REQUEST\n";
    const REFUSED: &[u8] = b"E Fatal error, aborting.\nerror 0 flowsieve: no such user\n";

    #[test]
    fn pserver_login() {
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(43334, 12401, VERIFY, REFUSED),
            CVS,
        );
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(43334, 2401, VERIFY, b"I LOVE YOU\n"),
            CVS,
        );
    }

    #[test]
    fn not_cvs() {
        // A relative repository path; an SMTP banner back (smtp.pcap).
        assert_eq!(
            classify(&tcp(43334, 2401, b"BEGIN AUTH REQUEST\ncvsroot\n", b"")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(43334, 2401, VERIFY, b"220 mail.example.com ESMTP\r\n")),
            Verdict::No
        );
    }
}

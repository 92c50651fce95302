//! Subversion's svn:// protocol (Subversion's
//! `subversion/libsvn_ra_svn/protocol`, "Connection establishment"): the
//! server greets with `( success ( minver maxver ( mechs ) ( caps ) ) )`,
//! minver and maxver 2 today; the client answers `( version ( caps ) url
//! ...`. The port is not needed.

use crate::{Verdict, SVN};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [server(b"( success ( ")]
}

/// `( success ( D D ( ` with small version numbers.
fn greeting(p: &[u8]) -> bool {
    let Some(rest) = p.strip_prefix(b"( success ( ") else {
        return false;
    };
    let mut parts = rest.splitn(3, |&b| b == b' ');
    let num = |x: Option<&[u8]>| {
        x.is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.iter().all(u8::is_ascii_digit))
    };
    num(parts.next()) && num(parts.next()) && parts.next().is_some_and(|r| r.starts_with(b"("))
}

fn answer(p: &[u8]) -> bool {
    p.strip_prefix(b"( ")
        .is_some_and(|r| r.first().is_some_and(u8::is_ascii_digit))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let c = &flow.client.prefix;
    if greeting(&flow.server.prefix) && (c.is_empty() || answer(c)) {
        Verdict::Yes(SVN)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/svn.pcap (tests/tools/record/filetransfer.sh):
    // svn ls against svnserve 1.14, 127.0.0.1:51706 <-> :13690.
    const GREETING: &[u8] = b"( success ( 2 2 ( ) ( edit-pipeline svndiff1 accepts-svndiff2 absent-entries commit-revprops depth log-revprops ";
    const ANSWER: &[u8] = b"( 2 ( edit-pipeline svndiff1 accepts-svndiff2 absent-entries depth mergeinfo log-revprops ) 29:svn://127.0.0.1:13690/svnrepo ";

    #[test]
    fn greeting_and_answer() {
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(51706, 13690, ANSWER, GREETING),
            SVN,
        );
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(51706, 3690, b"", GREETING),
            SVN,
        );
    }

    #[test]
    fn not_svn() {
        // A failure instead of success; an HTTP request to the greeting.
        assert_eq!(
            classify(&tcp(51706, 3690, b"", b"( failure ( ( 210005 ")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(51706, 3690, b"GET / HTTP/1.1\r\n", GREETING)),
            Verdict::No
        );
    }
}

//! Git's native transport, `git://` (Git's gitprotocol-pack(5) "Git
//! Transport" and gitprotocol-common(5) pkt-line): the client's first
//! pkt-line, four hex digits giving its length including themselves, is
//! `git-upload-pack`, `git-receive-pack` or `git-upload-archive`, a space
//! and the path, then NUL-separated `host=` and extra parameters. The
//! daemon answers with pkt-lines (or a flush, `0000`). The port is not
//! needed.

use crate::{Verdict, GIT};
use flowsieve_sdk::prelude::*;

const SERVICES: [&[u8]; 3] = [
    b"git-upload-pack ",
    b"git-receive-pack ",
    b"git-upload-archive ",
];

pub(crate) fn leads() -> Vec<Lead> {
    SERVICES.iter().map(|s| client(s).at(4)).collect()
}

fn pkt_len(p: &[u8]) -> Option<usize> {
    let hex = p.get(..4)?;
    let s = core::str::from_utf8(hex).ok()?;
    if !hex.iter().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    usize::from_str_radix(s, 16).ok()
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let request = pkt_len(c).is_some_and(|n| (4 + 17..=65520).contains(&n))
        && SERVICES.iter().any(|svc| c[4..].starts_with(svc))
        && c.get(4..).is_some_and(|r| {
            r.iter()
                .take(pkt_len(c).unwrap_or(0) - 4)
                .any(|&b| b == 0 || b == b'\n')
        });
    let answer = s.is_empty() || pkt_len(s).is_some_and(|n| n == 0 || (4..=65520).contains(&n));
    if request && answer {
        Verdict::Yes(GIT)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/git.pcap (tests/tools/record/filetransfer.sh):
    // git ls-remote against git daemon (git 2.47), 127.0.0.1:33336 <->
    // :19418; the request's length arrives in a packet of its own.
    const REQUEST: &[u8] =
        b"003egit-upload-pack /repo.git\x00host=127.0.0.1:19418\x00\x00version=2\x00";
    const ANSWER: &[u8] = b"000eversion 2\n";

    #[test]
    fn upload_pack() {
        let mut f = tcp(33336, 19418, REQUEST, ANSWER);
        f.client.first_payload_len = 4;
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(classify, &f, GIT);
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(33336, 9418, REQUEST, b""),
            GIT,
        );
    }

    #[test]
    fn not_git() {
        // Not hex; an HTTP answer; an SVN greeting (svn.pcap) back.
        assert_eq!(
            classify(&tcp(33336, 9418, b"zz3egit-upload-pack /r\x00", b"")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(33336, 9418, REQUEST, b"HTTP/1.1 400 Bad Request\r\n")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(
                33336,
                9418,
                REQUEST,
                b"( success ( 2 2 ( ) ( edit-pipeline "
            )),
            Verdict::No
        );
    }
}

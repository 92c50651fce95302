//! rsync daemon protocol (rsync's `clientserver.c` and rsyncd.conf(5),
//! "@RSYNCD" greeting): on connecting to an rsync daemon both sides send a
//! greeting line `@RSYNCD: <protocol>.<sub>` (optionally followed by the
//! checksum names) ended by LF; the daemon later answers `@RSYNCD: OK` or
//! `@ERROR`. The port is not needed.

use crate::{Verdict, RSYNC};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [either(b"@RSYNCD: ")]
}

fn greeting(p: &[u8]) -> bool {
    p.strip_prefix(b"@RSYNCD: ").is_some_and(|v| {
        v.len() >= 2
            && v[0].is_ascii_digit()
            && v[..2].iter().all(|b| b.is_ascii_digit() || *b == b'.')
    })
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let ok = (greeting(s) && (c.is_empty() || greeting(c))) || (s.is_empty() && greeting(c));
    if ok {
        Verdict::Yes(RSYNC)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/rsync.pcap (tests/tools/record/filetransfer.sh):
    // rsync 3.2.7 client and daemon, 127.0.0.1:35950 <-> :10873.
    const GREETING: &[u8] = b"@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4\n";

    #[test]
    fn greetings() {
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(35950, 10873, GREETING, GREETING),
            RSYNC,
        );
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify,
            &tcp(35950, 873, b"", GREETING),
            RSYNC,
        );
    }

    #[test]
    fn not_rsync() {
        // No version; a greeting answered by an FTP banner (ftp.pcap).
        assert_eq!(classify(&tcp(35950, 873, b"", b"@RSYNCD: \n")), Verdict::No);
        assert_eq!(
            classify(&tcp(35950, 873, GREETING, b"220 (vsFTPd 3.0.3)\r\n")),
            Verdict::No
        );
    }
}

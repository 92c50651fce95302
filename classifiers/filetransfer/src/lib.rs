//! flowsieve's built-in `filetransfer` pack: FTP control, TFTP and SMB, each
//! written from its own specification (see the module of each rule). Names
//! and categories are libprotoident's.

use flowsieve_sdk::prelude::*;

mod ftp;
mod smb;
mod tftp;

pub const FTP_CONTROL: u32 = 0;
pub const TFTP: u32 = 1;
pub const SMB: u32 = 2;

/// A rule's judgement of one flow; the pack combines them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Yes(u32),
    Maybe,
    No,
}

pub struct FileTransfer;

impl Rule for FileTransfer {
    fn manifest() -> Manifest {
        ManifestBuilder::new("filetransfer", env!("CARGO_PKG_VERSION"))
            .tcp(FTP_CONTROL, "FTP_Control", "File_Transfer", 2)
            .leads([server(b"220")])
            .udp(TFTP, "TFTP", "File_Transfer", 5)
            // Opcodes 1–6 (RFC 1350 §5, RFC 2347) open either direction.
            .leads((1..=6).map(|op| either(&[0, op])))
            .tcp(SMB, "SMB", "File_Transfer", 2)
            // Session message type 0, then \xFDSMB / \xFESMB / \xFFSMB.
            .leads([client(&[0, 0, 0, 0, 0xfc, b'S', b'M', b'B'])
                .masked(&[0xff, 0, 0, 0, 0xfc, 0xff, 0xff, 0xff])])
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[fn(&FlowView) -> Verdict] = match flow.transport {
            Transport::Tcp => &[ftp::classify, smb::classify],
            Transport::Udp => &[tftp::classify],
        };
        let mut outcome = Outcome::NoMatch;
        for rule in rules {
            match rule(flow) {
                Verdict::Yes(index) => return Outcome::Matched(index),
                Verdict::Maybe => outcome = Outcome::NeedMore,
                Verdict::No => {}
            }
        }
        outcome
    }
}

flowsieve_sdk::export_rule!(FileTransfer);

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    #[test]
    fn manifest_is_consistent() {
        let m = FileTransfer::manifest();
        assert_eq!(m.name, "filetransfer");
        assert_eq!(m.rules[TFTP as usize].transport, Transport::Udp);
        assert_eq!(m.rules[SMB as usize].protocol, "SMB");
    }

    #[test]
    fn dispatches_by_transport() {
        let rrq = b"\x00\x01rfc1350.txt\x00octet\x00";
        assert_eq!(
            flowsieve_sdk::testing::verdict::<FileTransfer>(&udp(50618, 69, rrq, b"")),
            Outcome::Matched(TFTP)
        );
        assert_eq!(
            flowsieve_sdk::testing::verdict::<FileTransfer>(&tcp(50618, 69, rrq, b"")),
            Outcome::NoMatch
        );
    }

    #[test]
    fn arbitrary_prefixes_never_panic() {
        let seeds: [&[u8]; 6] = [
            b"",
            b"220 ",
            b"USER ",
            &[0, 1],
            &[0, 3, 0, 1],
            &[0, 0, 0, 0x85, 0xff, b'S', b'M', b'B'],
        ];
        flowsieve_sdk::testing::fuzz_pack::<FileTransfer>(&seeds);
    }
}

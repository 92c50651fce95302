//! flowsieve's built-in `filetransfer` pack: file transfer, revision control
//! and RPC services (FTP control, TFTP, SMB, rsync, Git, SVN, CVS, the ONC
//! RPC portmapper, NFS over TCP), each written from its own specification (see the module
//! of each rule). Names and categories are libprotoident's (PortmapRPC_TCP
//! and NFS follow its style).

use flowsieve_sdk::prelude::*;

mod cvs;
mod ftp;
mod git;
mod rpc;
mod rsync;
mod smb;
mod svn;
mod tftp;

pub const FTP_CONTROL: u32 = 0;
pub const TFTP: u32 = 1;
pub const SMB: u32 = 2;
pub const RSYNC: u32 = 3;
pub const GIT: u32 = 4;
pub const SVN: u32 = 5;
pub const CVS: u32 = 6;
pub const PORTMAP: u32 = 7;
pub const PORTMAP_TCP: u32 = 8;
pub const NFS: u32 = 9;

pub(crate) use flowsieve_sdk::dispatch::Verdict;

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
            .tcp(RSYNC, "Rsync", "File_Transfer", 2)
            .leads(rsync::leads())
            .tcp(GIT, "Git", "Revision_Control", 2)
            .leads(git::leads())
            .tcp(SVN, "SVN", "Revision_Control", 2)
            .leads(svn::leads())
            .tcp(CVS, "CVS", "Revision_Control", 2)
            .leads(cvs::leads())
            .udp(PORTMAP, "PortmapRPC", "Services", 5)
            .leads(rpc::udp_leads())
            .tcp(PORTMAP_TCP, "PortmapRPC_TCP", "Services", 5)
            .leads(rpc::tcp_leads(rpc::PMAP))
            .tcp(NFS, "NFS", "File_Transfer", 5)
            .leads(rpc::tcp_leads(rpc::NFSP))
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        let rules: &[Judge] = match flow.transport {
            Transport::Tcp => &[
                ftp::classify,
                smb::classify,
                rsync::classify,
                git::classify,
                svn::classify,
                cvs::classify,
                rpc::classify_tcp,
            ],
            Transport::Udp => &[tftp::classify, rpc::classify_udp],
        };
        first_verdict(flow, rules)
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
        let seeds: [&[u8]; 12] = [
            b"@RSYNCD: 3",
            b"003egit-upload-pack /",
            b"( success ( 2 2 ( ",
            b"BEGIN AUTH REQUEST\n",
            b"k\x0cZs\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0\x00\x00\x00\x04",
            b"\x80\x00\x00X\x82A\x7f\xe0\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0",
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

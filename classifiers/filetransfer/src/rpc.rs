//! ONC RPC (RFC 5531 §9 message format, §11 record marking over TCP) to
//! the portmapper/rpcbind (program 100000, RFC 1833) and to NFS (program
//! 100003: RFC 1813 v3, RFC 7530 v4): a CALL is an xid, message type 0,
//! RPC version 2, the program, its version (portmapper 2–4, NFS 2–4) and a
//! procedure (portmapper at most 16, NFSv3 at most 21, NFSv4 0 or 1); the
//! REPLY repeats the xid with message type 1 and a reply status (0
//! accepted, 1 denied). Over TCP each message is preceded by a record mark,
//! the last-fragment bit and a 31-bit length. The port is not needed.

use crate::{Verdict, NFS, PORTMAP, PORTMAP_TCP};
use flowsieve_sdk::prelude::*;

const PORTMAPPER: u32 = 100_000;
const NFS_PROGRAM: u32 = 100_003;

/// CALL, RPC version 2, `program` (then any version).
fn call_lead(program: u32) -> [u8; 12] {
    let mut v = [0u8; 12];
    v[7] = 2;
    v[8..].copy_from_slice(&program.to_be_bytes());
    v
}

pub(crate) fn udp_leads() -> [Lead; 1] {
    [client(&call_lead(PORTMAPPER)).at(4)]
}

pub(crate) fn tcp_leads(program: u32) -> [Lead; 1] {
    [client(&call_lead(program)).at(8)]
}

pub(crate) const PMAP: u32 = PORTMAPPER;
pub(crate) const NFSP: u32 = NFS_PROGRAM;

fn call(p: &[u8], program: u32) -> bool {
    let (Some(version), Some(procedure)) = (be_u32(p, 16), be_u32(p, 20)) else {
        return false;
    };
    p.get(4..16) == Some(&call_lead(program))
        && match program {
            PORTMAPPER => (2..=4).contains(&version) && procedure <= 16,
            _ => match version {
                2 => procedure <= 17,
                3 => procedure <= 21,
                4 => procedure <= 1,
                _ => false,
            },
        }
}

fn reply(p: &[u8], xid: &[u8]) -> bool {
    p.get(..4) == Some(xid) && be_u32(p, 4) == Some(1) && be_u32(p, 8).is_some_and(|s| s <= 1)
}

pub(crate) fn classify_udp(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if call(c, PORTMAPPER) && (s.is_empty() || reply(s, &c[..4])) {
        Verdict::Yes(PORTMAP)
    } else {
        Verdict::No
    }
}

fn tcp(flow: &FlowView, program: u32) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    // Record marks: a CALL is at least 40 bytes (with empty credentials
    // and verifier), a REPLY at least 24.
    let marked = |p: &[u8], min: u32| {
        be_u32(p, 0).is_some_and(|m| (min..1 << 20).contains(&(m & 0x7fff_ffff)))
    };
    marked(c, 40)
        && call(&c[4..], program)
        && (s.is_empty() || (marked(s, 24) && s.len() >= 8 && reply(&s[4..], &c[4..8])))
}

pub(crate) fn classify_tcp(flow: &FlowView) -> Verdict {
    if tcp(flow, PORTMAPPER) {
        Verdict::Yes(PORTMAP_TCP)
    } else if tcp(flow, NFS_PROGRAM) {
        Verdict::Yes(NFS)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    // tests/data/recorded/rpc.pcap (tests/tools/record/filetransfer.sh):
    // rpcinfo against rpcbind 1.2.6: GETADDR (v4) over TCP, 127.0.0.1:656
    // <-> :111, and over UDP.
    const TCP_CALL: &[u8] = b"\x80\x00\x00X\x82A\x7f\xe0\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0\x00\x00\x00\x04\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x00";
    const TCP_REPLY: &[u8] = b"\x80\x00\x00,\x82A\x7f\xe0\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0f127.0.0.1.0.111\x00";
    const UDP_CALL: &[u8] = b"k\x0cZs\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa0\x00\x00\x00\x04\x00\x00\x00\x03\x00\x00\x00\x00";
    const UDP_REPLY: &[u8] = b"k\x0cZs\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x0f127.0.0.1.0.111\x00";

    #[test]
    fn getaddr_tcp_and_udp() {
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify_tcp,
            &tcp(656, 111, TCP_CALL, TCP_REPLY),
            PORTMAP_TCP,
        );
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify_udp,
            &udp(656, 111, UDP_CALL, UDP_REPLY),
            PORTMAP,
        );
    }

    // tests/data/recorded/nfs.pcap (tests/tools/record/filetransfer.sh nfs):
    // libnfs's nfs-ls against nfs-ganesha 4.3, NFSv4 over TCP,
    // 127.0.0.1:735 <-> :12049: the NULL call and its reply.
    const NFS_NULL: &[u8] = b"\x80\x00\x00D%5\x17\x7f\x00\x00\x00\x00\x00\x00\x00\x02\x00\x01\x86\xa3\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x1c\x00\xcb\x17\x7f\x00\x00\x00\x06libnfs\x00\x00";
    const NFS_REPLY: &[u8] = b"\x80\x00\x00\x18%5\x17\x7f\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";

    #[test]
    fn nfs_v4_over_tcp() {
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify_tcp,
            &tcp(735, 12049, NFS_NULL, NFS_REPLY),
            NFS,
        );
        flowsieve_sdk::testing::assert_yes::<crate::FileTransfer>(
            classify_tcp,
            &tcp(735, 2049, NFS_NULL, b""),
            NFS,
        );
        // The portmapper's GETADDR reply does not answer it (another xid).
        assert_eq!(
            classify_tcp(&tcp(735, 2049, NFS_NULL, TCP_REPLY)),
            Verdict::No
        );
    }

    #[test]
    fn not_portmapper() {
        // A reply with another xid; RPC version 3; an NFS call (program
        // 100003) is not the portmapper.
        let mut other = UDP_REPLY.to_vec();
        other[0] ^= 1;
        assert_eq!(classify_udp(&udp(656, 111, UDP_CALL, &other)), Verdict::No);
        let mut v3 = UDP_CALL.to_vec();
        v3[11] = 3;
        assert_eq!(classify_udp(&udp(656, 111, &v3, b"")), Verdict::No);
        // An NFS-numbered call with the portmapper's procedure 3 in
        // version 4 (NFSv4 has procedures 0 and 1 only).
        let mut nfs = UDP_CALL.to_vec();
        nfs[15] = 0xa3;
        assert_eq!(classify_udp(&udp(656, 2049, &nfs, b"")), Verdict::No);
    }
}

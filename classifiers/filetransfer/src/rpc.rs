//! ONC RPC (RFC 5531 §9 message format, §11 record marking over TCP) to
//! the portmapper/rpcbind (program 100000, RFC 1833): a CALL is an xid,
//! message type 0, RPC version 2, the program, its version (2–4) and a
//! procedure; the REPLY repeats the xid with message type 1 and a reply
//! status (0 accepted, 1 denied). Over TCP each message is preceded by a
//! record mark, the last-fragment bit and a 31-bit length. The port is not
//! needed.

use crate::{Verdict, PORTMAP, PORTMAP_TCP};
use flowsieve_sdk::prelude::*;

const PORTMAPPER: [u8; 4] = [0, 1, 0x86, 0xa0];

/// CALL, RPC version 2, program 100000 (then any version).
fn call_lead() -> [u8; 12] {
    let mut v = [0u8; 12];
    v[7] = 2;
    v[8..].copy_from_slice(&PORTMAPPER);
    v
}

pub(crate) fn udp_leads() -> [Lead; 1] {
    [client(&call_lead()).at(4)]
}

pub(crate) fn tcp_leads() -> [Lead; 1] {
    [client(&call_lead()).at(8)]
}

fn call(p: &[u8]) -> bool {
    p.get(4..16) == Some(&call_lead())
        && be_u32(p, 16).is_some_and(|v| (2..=4).contains(&v))
        && be_u32(p, 20).is_some_and(|proc_| proc_ <= 16)
}

fn reply(p: &[u8], xid: &[u8]) -> bool {
    p.get(..4) == Some(xid) && be_u32(p, 4) == Some(1) && be_u32(p, 8).is_some_and(|s| s <= 1)
}

pub(crate) fn classify_udp(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    if call(c) && (s.is_empty() || reply(s, &c[..4])) {
        Verdict::Yes(PORTMAP)
    } else {
        Verdict::No
    }
}

pub(crate) fn classify_tcp(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let marked =
        |p: &[u8]| be_u32(p, 0).is_some_and(|m| (28..1 << 20).contains(&(m & 0x7fff_ffff)));
    let ok = marked(c)
        && call(&c[4..])
        && (s.is_empty() || (marked(s) && s.len() >= 8 && reply(&s[4..], &c[4..8])));
    if ok {
        Verdict::Yes(PORTMAP_TCP)
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
        crate::yes(
            classify_tcp,
            &tcp(656, 111, TCP_CALL, TCP_REPLY),
            PORTMAP_TCP,
        );
        crate::yes(classify_udp, &udp(656, 111, UDP_CALL, UDP_REPLY), PORTMAP);
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
        let mut nfs = UDP_CALL.to_vec();
        nfs[15] = 0xa3;
        assert_eq!(classify_udp(&udp(656, 2049, &nfs, b"")), Verdict::No);
    }
}

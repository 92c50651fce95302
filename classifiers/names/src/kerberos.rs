//! Kerberos V5 (RFC 4120 §5.4.1 KDC-REQ, §5.4.2 KDC-REP, §5.9.1
//! KRB-ERROR, §7.2.1 UDP and §7.2.2 TCP transport; DER per X.690). A KDC
//! request is an AS-REQ ([APPLICATION 10], 0x6A) or TGS-REQ ([APPLICATION
//! 12], 0x6C) whose SEQUENCE opens with pvno [1] INTEGER 5 and msg-type
//! [2] INTEGER equal to the application tag; the KDC answers AS-REP
//! (0x6B), TGS-REP (0x6D) or KRB-ERROR (0x7E, msg-type 30), whose pvno
//! and msg-type are tagged [0] and [1]. Over TCP each message is preceded by a 4-byte big-endian length
//! whose top bit is clear. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn udp_leads() -> [Lead; 2] {
    [client(&[0x6a]), client(&[0x6c])]
}

pub(crate) fn tcp_leads() -> [Lead; 2] {
    [client(&[0x6a]).at(4), client(&[0x6c]).at(4)]
}

/// A DER length at `at`: (value length, bytes used).
fn length(p: &[u8], at: usize) -> Option<(usize, usize)> {
    let first = *p.get(at)?;
    if first < 0x80 {
        return Some((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | usize::from(*p.get(at + 1 + i)?);
    }
    Some((len, 1 + n))
}

/// A Kerberos message at the start of `p`, `size` bytes long in all;
/// returns its application tag.
fn message(p: &[u8], size: usize) -> Option<u8> {
    let tag = *p.first()?;
    let (len, hl) = length(p, 1)?;
    if 1 + hl + len != size {
        return None;
    }
    let at = 1 + hl;
    if *p.get(at)? != 0x30 {
        return None;
    }
    let (_, shl) = length(p, at + 1)?;
    let body = p.get(at + 1 + shl..at + 1 + shl + 10)?;
    let (pvno, kind) = match tag {
        // KDC-REQ: pvno [1], msg-type [2] (RFC 4120 §5.4.1).
        0x6a | 0x6c => ([0xa1, 3, 2, 1, 5], [0xa2, 3, 2, 1, tag & 0x1f]),
        // KDC-REP and KRB-ERROR: pvno [0], msg-type [1].
        0x6b | 0x6d | 0x7e => ([0xa0, 3, 2, 1, 5], [0xa1, 3, 2, 1, tag & 0x1f]),
        _ => return None,
    };
    (body[..5] == pvno && body[5..] == kind).then_some(tag)
}

fn exchange(c: Option<u8>, s: &[u8], s_msg: Option<u8>) -> bool {
    matches!(c, Some(0x6a | 0x6c)) && (s.is_empty() || matches!(s_msg, Some(0x6b | 0x6d | 0x7e)))
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

pub(crate) fn udp(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client, &flow.server);
    exchange(
        message(&c.prefix, size(c)),
        &s.prefix,
        message(&s.prefix, size(s)),
    )
}

pub(crate) fn tcp(flow: &FlowView) -> bool {
    // The record length gives the message size (it may span segments).
    let framed = |side: &Side| {
        let len = be_u32(&side.prefix, 0)?;
        (len < 1 << 20).then(|| message(side.prefix.get(4..)?, len as usize))?
    };
    let (c, s) = (&flow.client, &flow.server);
    exchange(framed(c), &s.prefix, framed(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp as tcp_flow, udp as udp_flow};

    // tests/data/recorded/kerberos.pcap (tests/tools/record/names.sh
    // kerberos): MIT kinit against krb5kdc 1.20: AS-REQ (187 bytes) and
    // AS-REP (800) over UDP, 127.0.0.1:53960 <-> :10088; the same over TCP
    // (127.0.0.1:39338) with the 4-byte record length.
    const AS_REQ: &[u8] = b"j\x81\xb80\x81\xb5\xa1\x03\x02\x01\x05\xa2\x03\x02\x01\n\xa3\x1a0\x180\n\xa1\x04\x02\x02\x00\x96\xa2\x02\x04\x000\n\xa1\x04\x02\x02\x00\x95";
    const AS_REP: &[u8] = b"k\x82\x03\x1c0\x82\x03\x18\xa0\x03\x02\x01\x05\xa1\x03\x02\x01\x0b\xa2+0)0'\xa1\x03\x02\x01\x13\xa2 \x04\x1e0\x1c0\x1a\xa0\x03\x02";
    const TCP_REQ: &[u8] = b"\x00\x00\x00\xbbj\x81\xb80\x81\xb5\xa1\x03\x02\x01\x05\xa2\x03\x02\x01\n\xa3\x1a0\x180\n\xa1\x04\x02\x02\x00\x96\xa2\x02\x04\x000\n\xa1\x04";
    const TCP_REP: &[u8] = b"\x00\x00\x03 k\x82\x03\x1c0\x82\x03\x18\xa0\x03\x02\x01\x05\xa1\x03\x02\x01\x0b\xa2+0)0'\xa1\x03\x02\x01\x13\xa2 \x04\x1e0\x1c0";

    #[test]
    fn as_exchange_udp_and_tcp() {
        let mut f = udp_flow(53960, 10088, AS_REQ, AS_REP);
        f.client.first_payload_len = 187;
        f.server.first_payload_len = 800;
        crate::check(udp, &f, crate::KERBEROS);
        let mut f = tcp_flow(39338, 88, TCP_REQ, TCP_REP);
        f.client.first_payload_len = 191;
        f.server.first_payload_len = 804;
        crate::check(tcp, &f, crate::KERBEROS_TCP);
    }

    #[test]
    fn not_kerberos() {
        // The UDP request cut short by its DER length; a REP sent by the
        // client; an LDAP bind (ldap.pcap) over TCP.
        let mut f = udp_flow(53960, 88, AS_REQ, b"");
        f.client.first_payload_len = 150;
        assert!(!udp(&f));
        let mut f = udp_flow(53960, 88, AS_REP, b"");
        f.client.first_payload_len = 800;
        assert!(!udp(&f));
        let bind =
            b"0/\x02\x01\x01`*\x02\x01\x03\x04\x1dcn=admin,dc=flowsieve,dc=test\x80\x06secret";
        assert!(!tcp(&tcp_flow(34102, 88, bind, b"")));
    }
}

//! LDAP over TCP (RFC 4511 §4.1.1 LDAPMessage, §4.2–§4.14 operations; BER
//! per X.690): every message is a SEQUENCE holding the messageID INTEGER
//! and the protocolOp, an [APPLICATION n] tag. A client opens with a
//! request (bind 0x60, search 0x63, extended 0x77 e.g. StartTLS, unbind
//! 0x42, modify 0x66, add 0x68, delete 0x4A, modDN 0x6C, compare 0x6E,
//! abandon 0x50); the server answers with a response (0x61, 0x64, 0x65,
//! 0x73, 0x78, 0x67, 0x69, 0x6B, 0x6D, 0x6F, intermediate 0x79) carrying
//! the same messageID. The port is not needed.

use flowsieve_sdk::prelude::*;

const REQUESTS: [u8; 10] = [0x60, 0x63, 0x77, 0x42, 0x66, 0x68, 0x4a, 0x6c, 0x6e, 0x50];
const RESPONSES: [u8; 11] = [
    0x61, 0x64, 0x65, 0x73, 0x78, 0x67, 0x69, 0x6b, 0x6d, 0x6f, 0x79,
];

pub(crate) fn leads() -> Vec<Lead> {
    vec![
        // SEQUENCE with a short-form length, then INTEGER.
        client(&[0x30, 0x00, 0x02]).masked(&[0xff, 0x80, 0xff]),
        client(&[0x30, 0x81, 0, 0x02]).masked(&[0xff, 0xff, 0, 0xff]),
        client(&[0x30, 0x82, 0, 0, 0x02]).masked(&[0xff, 0xff, 0, 0, 0xff]),
        client(&[0x30, 0x83, 0, 0, 0, 0x02]).masked(&[0xff, 0xff, 0, 0, 0, 0xff]),
        client(&[0x30, 0x84, 0, 0, 0, 0, 0x02]).masked(&[0xff, 0xff, 0, 0, 0, 0, 0xff]),
    ]
}

/// (messageID bytes, protocolOp tag) of the LDAPMessage opening `p`.
fn message(p: &[u8]) -> Option<(&[u8], u8)> {
    if *p.first()? != 0x30 {
        return None;
    }
    let first = *p.get(1)?;
    let at = if first < 0x80 {
        2
    } else {
        let n = usize::from(first & 0x7f);
        if !(1..=4).contains(&n) {
            return None;
        }
        2 + n
    };
    if *p.get(at)? != 0x02 {
        return None;
    }
    let id_len = usize::from(*p.get(at + 1)?);
    if !(1..=4).contains(&id_len) {
        return None;
    }
    let id = p.get(at + 2..at + 2 + id_len)?;
    let op = *p.get(at + 2 + id_len)?;
    Some((id, op))
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let Some((id, op)) = message(&flow.client.prefix) else {
        return false;
    };
    if !REQUESTS.contains(&op) {
        return false;
    }
    let s = &flow.server.prefix;
    s.is_empty() || message(s).is_some_and(|(sid, sop)| sid == id && RESPONSES.contains(&sop))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/ldap.pcap (tests/tools/record/names.sh ldap):
    // ldapwhoami's simple bind against slapd 2.5, 127.0.0.1:34102 <->
    // :13389, and the bindResponse.
    const BIND: &[u8] =
        b"0/\x02\x01\x01`*\x02\x01\x03\x04\x1dcn=admin,dc=flowsieve,dc=test\x80\x06secret";
    const BIND_OK: &[u8] = b"0\x0c\x02\x01\x01a\x07\n\x01\x00\x04\x00\x04\x00";
    // ldap-starttls (Suricata corpus), [::1]:37386 <-> [::1]:389: the
    // StartTLS extendedRequest and its extendedResponse.
    const STARTTLS: &[u8] = b"0\x1d\x02\x01\x01w\x18\x80\x161.3.6.1.4.1.1466.20037";
    const STARTTLS_OK: &[u8] = b"0\x0c\x02\x01\x01x\x07\n\x01\x00\x04\x00\x04\x00";

    #[test]
    fn bind_and_starttls() {
        crate::check(matches, &tcp(34102, 13389, BIND, BIND_OK), crate::LDAP);
        crate::check(
            matches,
            &tcp(37386, 389, STARTTLS, STARTTLS_OK),
            crate::LDAP,
        );
    }

    #[test]
    fn not_ldap() {
        // A response under another messageID; the server's response sent
        // by the client; a Kerberos AS-REQ over TCP (kerberos.pcap).
        let other = b"0\x0c\x02\x01\x02a\x07\n\x01\x00\x04\x00\x04\x00";
        assert!(!matches(&tcp(34102, 389, BIND, other)));
        assert!(!matches(&tcp(34102, 389, BIND_OK, b"")));
        assert!(!matches(&tcp(
            39338,
            389,
            b"\x00\x00\x00\xbbj\x81\xb80\x81\xb5\xa1\x03",
            b""
        )));
    }
}

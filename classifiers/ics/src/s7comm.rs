//! S7comm (Siemens S7 communication; the framing is ISO-on-TCP, RFC 1006:
//! TPKT version 3, reserved 0, a 16-bit length of the whole packet, then
//! the ISO 8073 COTP TPDU): the client's stream opens with a COTP Connection
//! Request (code 0xE0) answered by a Connection Confirm (0xD0), then data
//! TPDUs (0xF0, last unit 0x80) whose payload is an S7 PDU starting with the
//! protocol id 0x32 and the ROSCTR (1 job from the client, 3 ack-data from
//! the server). The CR/CC carry S7's TSAPs (ISO 8073 §13.3.4 parameters
//! 0xC1 calling, 0xC2 called; S7 uses 2-byte TSAPs whose first byte is the
//! connection type, 1 PG, 2 OP, 3 S7 basic, and whose second is rack and
//! slot); RDP's CR carries a cookie or an RDP negotiation request instead.
//! When the first S7 PDU is in view it must be there (0x32); before that,
//! the S7 TSAPs in both the CR and the CC decide.

use flowsieve_sdk::prelude::*;

/// TPKT version 3, reserved 0.
pub(crate) fn lead() -> Lead {
    either(&[3, 0])
}

/// The CR/CC's parameters hold a called TSAP as S7 forms it.
fn s7_tsap(mut params: &[u8]) -> bool {
    while let [code, len, rest @ ..] = params {
        let len = usize::from(*len);
        let Some(value) = rest.get(..len) else {
            return false;
        };
        if *code == 0xc2 {
            return len == 2 && (1..=3).contains(&value[0]);
        }
        params = &rest[len..];
    }
    false
}

enum Stream {
    /// A CR/CC then an S7 PDU of this ROSCTR.
    S7(u8),
    /// The CR/CC with S7 TSAPs, the S7 PDU not yet in view.
    Pending,
    No,
}

/// `code`: the COTP connection TPDU expected first (0xE0 or 0xD0).
fn stream(p: &[u8], code: u8) -> Stream {
    let Some(first) = be_u16(p, 2).map(usize::from) else {
        return Stream::No;
    };
    if p.get(..2) != Some(&[3, 0]) || p.get(5).map(|c| c & 0xf0) != Some(code) || first < 11 {
        return Stream::No;
    }
    let pending = if s7_tsap(p.get(11..first).unwrap_or(&[])) {
        Stream::Pending
    } else {
        Stream::No
    };
    let Some(dt) = p.get(first..) else {
        return pending;
    };
    if dt.len() < 9 {
        return pending;
    }
    // TPKT, COTP DT (length 2, code F0, EOT), S7 protocol id.
    if dt[..2] == [3, 0] && dt[4..7] == [2, 0xf0, 0x80] && dt[7] == 0x32 {
        Stream::S7(dt[8])
    } else {
        Stream::No
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let server_silent = flow.server.prefix.is_empty();
    match (
        stream(&flow.client.prefix, 0xe0),
        stream(&flow.server.prefix, 0xd0),
    ) {
        (Stream::S7(1) | Stream::Pending, Stream::S7(3) | Stream::Pending) => true,
        (Stream::S7(1), Stream::No) => server_silent,
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // s7comm.pcap (tests/tools/record/s7comm.sh): python-snap7 client
    // 127.0.0.1:38586 -> snap7 server :102, COTP CR then S7 Setup
    // Communication (job); CC then its ack-data.
    pub(crate) const CLIENT: &[u8] = b"\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x01\xc0\x01\x0a\x03\x00\x00\x19\x02\xf0\x80\x32\x01\x00\x00\x00\x01\x00\x08\x00\x00\xf0\x00\x00\x01\x00\x01\x01\xe0";
    const SERVER: &[u8] = b"\x03\x00\x00\x16\x11\xd0\x00\x01\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00\xc2\x02\x01\x01\x03\x00\x00\x1b\x02\xf0\x80\x32\x03\x00\x00\x00\x01\x00\x08\x00\x00\x00\x00\xf0\x00\x00\x01\x00\x01\x01\xe0";

    #[test]
    fn s7comm() {
        assert!(
            matches(&tcp(38586, 102, CLIENT, SERVER))
                && crate::offered(crate::S7COMM, &tcp(38586, 102, CLIENT, SERVER))
        );
        assert!(
            matches(&tcp(38586, 102, CLIENT, &SERVER[..22]))
                && crate::offered(crate::S7COMM, &tcp(38586, 102, CLIENT, &SERVER[..22]))
        );
        assert!(
            matches(&tcp(38586, 102, CLIENT, b""))
                && crate::offered(crate::S7COMM, &tcp(38586, 102, CLIENT, b""))
        );
        // The first offer: only the CR and the CC, both with S7 TSAPs.
        assert!(
            matches(&tcp(38586, 102, &CLIENT[..22], &SERVER[..22]))
                && crate::offered(
                    crate::S7COMM,
                    &tcp(38586, 102, &CLIENT[..22], &SERVER[..22])
                )
        );
    }

    #[test]
    fn not_s7comm() {
        // RDP's X.224 CR (a cookie, no TSAPs) and CC, then RDP's MCS data
        // (0x7f65) instead of an S7 PDU.
        let mut rdp = b"\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00Cookie: mstshash=eltons\r\n\x01\x00\x08\x00\x00\x00\x00\x00".to_vec();
        let cc = b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x00\x00\x00\x00";
        assert!(!matches(&tcp(40000, 3389, &rdp, cc)));
        rdp.extend_from_slice(b"\x03\x00\x01\xa0\x02\xf0\x80\x7f\x65\x82\x01\x94");
        assert!(!matches(&tcp(40000, 3389, &rdp, cc)));
        assert!(!matches(&tcp(40000, 102, b"GET / HTTP/1.1\r\n", b"")));
        // S7 TSAPs, then something else than an S7 PDU.
        let mut c = CLIENT.to_vec();
        c[29] = 0x33;
        assert!(!matches(&tcp(38586, 102, &c, SERVER)));
    }
}

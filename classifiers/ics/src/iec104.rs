//! IEC 60870-5-104 (IEC 60870-5-104:2006 §5.1, APCI): every APDU starts with
//! 0x68 and a length byte (4–253) counting the four control octets and the
//! ASDU after it. The control field's first octet tells the format: bit 0
//! clear, an I-format (numbered information); 01, an S-format
//! (supervisory, with 0x00 in octet 2); 11, a U-format whose octet holds
//! exactly one function (STARTDT act/con 0x07/0x0B, STOPDT 0x13/0x23,
//! TESTFR 0x43/0x83) and whose other octets are zero. A U or S APDU is
//! exactly 6 bytes. The TCP stream of each direction is a chain of APDUs:
//! the rule walks the ones in view (at least one per direction, all well
//! formed); a lone direction needs port 2404.

use flowsieve_sdk::prelude::*;

const START: u8 = 0x68;

pub(crate) fn lead() -> Lead {
    either(&[START])
}

/// One APDU at the start of `p`: its size, or `None` if malformed.
/// `Some(None)`: cut short (acceptable at the end of the prefix).
fn apdu(p: &[u8]) -> Option<Option<usize>> {
    if *p.first()? != START {
        return None;
    }
    let Some(&len) = p.get(1) else {
        return Some(None);
    };
    let Some(ctrl) = p.get(2..6) else {
        return (4..=253).contains(&len).then_some(None);
    };
    let ok = match ctrl[0] & 3 {
        // I-format: an ASDU (type id, VSQ, COT, common address) follows.
        0 | 2 => (10..=253).contains(&len) && ctrl[2] & 1 == 0,
        1 => len == 4 && ctrl[1] == 0 && ctrl[0] == 1,
        _ => {
            len == 4
                && matches!(ctrl[0], 0x07 | 0x0b | 0x13 | 0x23 | 0x43 | 0x83)
                && ctrl[1..] == [0, 0, 0]
        }
    };
    ok.then_some(Some(2 + usize::from(len)))
}

/// At least one APDU, and every APDU in view well formed.
fn chain(mut p: &[u8]) -> bool {
    let mut seen = false;
    while !p.is_empty() {
        match apdu(p) {
            Some(Some(n)) => {
                seen = true;
                p = p.get(n..).unwrap_or(&[]);
            }
            Some(None) => return seen || p.len() >= 2,
            None => return false,
        }
    }
    seen
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (c.is_empty(), s.is_empty()) {
        (false, false) => chain(c) && chain(s),
        (false, true) => chain(c) && flow.server_port == 2404,
        (true, false) => chain(s) && flow.server_port == 2404,
        (true, true) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // iec104.pcap (tests/tools/record/iec104.sh): c104 client 127.0.0.1:51112
    // -> c104 server :12404: STARTDT act, a general interrogation (C_IC_NA_1)
    // and a clock sync; STARTDT con, the interrogation's activation
    // confirmation, a measured value (M_ME_NC_1) and activation termination.
    const CLIENT: &[u8] =
        b"\x68\x04\x07\x00\x00\x00\x68\x0e\x00\x00\x00\x00\x64\x01\x06\x00\xff\xff\x00\x00\x00\x14";
    const SERVER: &[u8] = b"\x68\x04\x0b\x00\x00\x00\x68\x0e\x00\x00\x02\x00\x64\x01\x07\x00\x2f\x00\x00\x00\x00\x14\x68\x12\x02\x00\x02\x00\x0d\x81\x14\x00\x2f\x00\x0b\x00\x00\x00\x00\x00\x00\x00";

    #[test]
    fn iec104() {
        assert!(
            matches(&tcp(51112, 12404, CLIENT, SERVER))
                && crate::offered(crate::IEC104, &tcp(51112, 12404, CLIENT, SERVER))
        );
        assert!(
            matches(&tcp(51112, 12404, &CLIENT[..6], &SERVER[..6]))
                && crate::offered(
                    crate::IEC104,
                    &tcp(51112, 12404, &CLIENT[..6], &SERVER[..6])
                )
        );
        assert!(
            matches(&tcp(51112, 2404, &CLIENT[..6], b""))
                && crate::offered(crate::IEC104, &tcp(51112, 2404, &CLIENT[..6], b""))
        );
    }

    #[test]
    fn not_iec104() {
        // A U-format with two functions; a lone STARTDT off port 2404; the
        // 'h' of an HTTP-ish banner.
        let mut bad = CLIENT.to_vec();
        bad[2] = 0x0f;
        assert!(!matches(&tcp(51112, 12404, &bad, SERVER)));
        assert!(!matches(&tcp(51112, 12404, &CLIENT[..6], b"")));
        assert!(!matches(&tcp(
            51112,
            12404,
            b"hello world\r\n",
            b"hi there\r\n"
        )));
    }
}

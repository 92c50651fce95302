//! DNP3 over TCP (IEEE 1815-2012 §9.2 data link frame, §A.2 TCP/IP
//! transport): every frame starts with 0x05 0x64, a length (5–255: control,
//! destination, source and user data, CRCs not counted), a control byte
//! (DIR set on frames from a master, PRM on primary frames), a little-endian
//! destination and source address and a CRC-16/DNP of those 8 bytes
//! (polynomial 0x3D65, reflected, complemented, stored low byte first).
//! The outstation answers to the master's address from its own: the
//! addresses swap between directions.

use flowsieve_sdk::prelude::*;

pub(crate) fn lead() -> Lead {
    either(&[0x05, 0x64])
}

fn crc(data: &[u8]) -> u16 {
    let mut crc = 0u16;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xa6bc
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A link header with a good CRC: (control, destination, source).
fn header(p: &[u8]) -> Option<(u8, [u8; 2], [u8; 2])> {
    let h = p.get(..10)?;
    let ok = h[..2] == [0x05, 0x64] && h[2] >= 5 && crc(&h[..8]).to_le_bytes() == [h[8], h[9]];
    ok.then(|| (h[3], [h[4], h[5]], [h[6], h[7]]))
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (header(&flow.client.prefix), header(&flow.server.prefix));
    match (c, s, flow.server.prefix.is_empty()) {
        (Some(m), Some(o), false) => m.1 == o.2 && m.2 == o.1,
        (Some(_), None, true) => true,
        (None, Some(_), _) => flow.client.prefix.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // dnp3.pcap (tests/tools/record/dnp3.sh): dnp3py master
    // 127.0.0.1:34420 (address 1) -> outstation :20001 (address 10): Reset
    // Link States then a READ (integrity poll); the ACK and the response.
    const MASTER: &[u8] = b"\x05\x64\x05\xc0\x0a\x00\x01\x00\xb1\xac\x05\x64\x14\xc4\x0a\x00\x01\x00\x8f\xed\xc0\xc0\x01\x3c\x02\x06";
    const OUTSTATION: &[u8] =
        b"\x05\x64\x05\x00\x01\x00\x0a\x00\x2e\xdd\x05\x64\x0a\x44\x01\x00\x0a\x00\x6e\x25";

    #[test]
    fn dnp3() {
        assert!(
            matches(&tcp(34420, 20001, MASTER, OUTSTATION))
                && crate::offered(crate::DNP3, &tcp(34420, 20001, MASTER, OUTSTATION))
        );
        assert!(
            matches(&tcp(34420, 20000, MASTER, b""))
                && crate::offered(crate::DNP3, &tcp(34420, 20000, MASTER, b""))
        );
    }

    #[test]
    fn not_dnp3() {
        // A bad header CRC; an answer from another outstation; a 0x0564
        // start that is not a link header.
        let mut bad = MASTER.to_vec();
        bad[8] ^= 1;
        assert!(!matches(&tcp(34420, 20000, &bad, b"")));
        let mut other = OUTSTATION.to_vec();
        other[6] = 0x0b;
        assert!(!matches(&tcp(34420, 20000, MASTER, &other)));
        assert!(!matches(&tcp(34420, 20000, b"\x05\x64hello world", b"")));
    }
}

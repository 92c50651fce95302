//! NetBIOS over TCP/IP (RFC 1002).
//!
//! - Name service (§4.2, UDP 137): a DNS-shaped header whose questions and
//!   records carry NetBIOS names in "first-level encoding" (RFC 1001 §14.1):
//!   a 32-byte label of letters 'A'–'P' (two per byte of the 16-byte name),
//!   so the first name starts with the length byte 0x20 at offset 12.
//! - Datagram service (§4.4, UDP 138): MSG_TYPE 0x10–0x16, then flags,
//!   DGM_ID, SOURCE_IP and SOURCE_PORT; direct and broadcast datagrams
//!   (0x10–0x12) carry an encoded source name at offset 14.
//! - Session service (§4.3, TCP 139): the client's SESSION REQUEST (type
//!   0x81, length = the two encoded names, 68 bytes) with both names
//!   encoded; the server answers with a positive (0x82), negative (0x83) or
//!   retarget (0x84) response.

use crate::all_datagrams;
use flowsieve_sdk::prelude::*;

/// An encoded name at `at`: 0x20, 32 letters 'A'–'P'.
fn encoded_name(p: &[u8], at: usize) -> bool {
    p.get(at) == Some(&0x20)
        && p.get(at + 1..at + 33)
            .is_some_and(|n| n.iter().all(|b| (b'A'..=b'P').contains(b)))
}

fn name_service(p: &[u8]) -> bool {
    let opcode = p.get(2).map(|b| (b >> 3) & 0x0f);
    matches!(opcode, Some(0 | 5 | 6 | 7 | 8)) && encoded_name(p, 12)
}

fn datagram_service(p: &[u8], size: usize) -> bool {
    match p.first() {
        Some(0x10..=0x12) => {
            be_u16(p, 8) == Some(138)
                && be_u16(p, 10).is_some_and(|len| usize::from(len) + 14 == size)
                && encoded_name(p, 14)
        }
        _ => false,
    }
}

pub(crate) fn udp(flow: &FlowView) -> bool {
    all_datagrams(flow, |p, size| name_service(p) || datagram_service(p, size))
}

pub(crate) fn session(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let request = c.first() == Some(&0x81)
        && be_u16(c, 2) == Some(68)
        && encoded_name(c, 4)
        && encoded_name(c, 38);
    request && (s.is_empty() || matches!(s.first(), Some(0x82..=0x84)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp as udp_view};

    // netbios.pcap, 10.0.4.131:137 -> 10.0.5.255:137: a name query
    // (broadcast) for "FISHERMAN-PC".
    const QUERY: &[u8] = b"\xa7\x49\x01\x10\x00\x01\x00\x00\x00\x00\x00\x00\x20FIFDFEFCEFEBENFPEIFJCACACACACAAA\x00\x00\x20\x00\x01";
    // netbios.pcap, 10.19.71.184:55489 -> 10.17.113.129:139.
    const SESSION: &[u8] = b"\x81\x00\x00\x44\x20EJECEJEGEIFBDBDBFHFDDADCDDCACACA\x00\x20FCEPFDEGEIFBDADHFHFDDADECACACAAA\x00";

    #[test]
    fn netbios() {
        assert!(udp(&udp_view(137, 137, QUERY, b"")));
        assert!(session(&tcp(55489, 139, SESSION, b"")));
        assert!(session(&tcp(55489, 139, SESSION, b"\x82\x00\x00\x00")));
    }

    #[test]
    fn not_netbios() {
        // A DNS query: a name label that is not a NetBIOS encoded name.
        let dns = b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
        assert!(!udp(&udp_view(40000, 137, dns, b"")));
        assert!(!session(&tcp(55489, 139, &SESSION[..40], b"")));
        assert!(!session(&tcp(
            55489,
            139,
            SESSION,
            b"\x00\x00\x00\x85\xffSMB"
        )));
    }
}

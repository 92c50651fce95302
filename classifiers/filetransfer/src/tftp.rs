//! TFTP (RFC 1350 §5, RFC 2347 options): a transfer opens with a read or
//! write request, opcode 1/2, a NUL-terminated file name and a
//! NUL-terminated mode, "netascii", "octet" or "mail" in any case. The
//! transfer itself runs between two other ports (the server picks a new
//! TID, §4): DATA (opcode 3) of block 1 answered by ACK (opcode 4) of
//! block 1, or for a write, ACK of block 0 answered by DATA of block 1.
//! With options (RFC 2347 §3), the server's first packet from its new TID
//! is an OACK (opcode 6) of NUL-terminated option/value pairs instead.

use crate::{Verdict, TFTP};
use flowsieve_sdk::prelude::*;

const MODES: &[&[u8]] = &[b"netascii", b"octet", b"mail"];
const OPTIONS: &[&[u8]] = &[b"blksize", b"tsize", b"timeout", b"windowsize"];

fn request(p: &[u8]) -> bool {
    if !matches!(be_u16(p, 0), Some(1 | 2)) {
        return false;
    }
    let rest = &p[2..];
    let Some(name_end) = rest.iter().position(|&b| b == 0) else {
        return false;
    };
    let name = &rest[..name_end];
    let mode = &rest[name_end + 1..];
    is_ascii_text(name)
        && MODES.iter().any(|m| {
            mode.len() > m.len() && mode[..m.len()].eq_ignore_ascii_case(m) && mode[m.len()] == 0
        })
}

/// RFC 2347 §3 OACK whose first option is a registered one (RFC 2348,
/// 2349, 7440), value in decimal digits.
fn oack(p: &[u8]) -> bool {
    if be_u16(p, 0) != Some(6) {
        return false;
    }
    let mut fields = p[2..].split(|&b| b == 0);
    let (Some(name), Some(value)) = (fields.next(), fields.next()) else {
        return false;
    };
    OPTIONS.iter().any(|o| name.eq_ignore_ascii_case(o))
        && !value.is_empty()
        && value.iter().all(u8::is_ascii_digit)
        && p.len() > 2 + name.len() + 1 + value.len()
}

fn packet(p: &[u8], opcode: u16, block: u16) -> bool {
    be_u16(p, 0) == Some(opcode) && be_u16(p, 2) == Some(block)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    // A request is answered from another port: it is a one-way flow.
    let opening = |p: &[u8]| request(p) || oack(p);
    if (opening(c) && s.is_empty()) || (opening(s) && c.is_empty()) {
        return Verdict::Yes(TFTP);
    }
    // A server that answers from port 69 itself: the first answer to a
    // request is DATA 1 (read), ACK 0 (write), an OACK or an ERROR (§5).
    let answer = |p: &[u8]| {
        packet(p, 3, 1) || (packet(p, 4, 0) && p.len() == 4) || oack(p) || be_u16(p, 0) == Some(5)
    };
    if request(c) && answer(s) {
        return Verdict::Yes(TFTP);
    }
    let transfer = |a: &[u8], b: &[u8]| {
        (packet(a, 3, 1) && a.len() <= 4 + 512 && packet(b, 4, 1) && b.len() == 4)
            || (packet(a, 4, 0) && a.len() == 4 && packet(b, 3, 1))
    };
    if transfer(c, s) || transfer(s, c) {
        Verdict::Yes(TFTP)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // tftp.pcap: 192.168.0.253:50618 -> 192.168.0.10:69, then the transfer
    // 192.168.0.10:3445 <-> 192.168.0.253:50618.
    const RRQ: &[u8] = b"\x00\x01rfc1350.txt\x00octet\x00";
    const DATA1: &[u8] = b"\x00\x03\x00\x01\n\n\n\n\n\nNetwork Working Group";
    const ACK1: &[u8] = b"\x00\x04\x00\x01";

    #[test]
    fn request_and_transfer() {
        assert_eq!(classify(&udp(50618, 69, RRQ, b"")), Verdict::Yes(TFTP));
        // 172.28.4.53:54632 -> 172.16.5.170:69: an empty file name.
        assert_eq!(
            classify(&udp(54632, 69, b"\x00\x01\x00octet\x00", b"")),
            Verdict::Yes(TFTP)
        );
        assert_eq!(classify(&udp(50618, 3445, ACK1, DATA1)), Verdict::Yes(TFTP));
        assert_eq!(classify(&udp(50618, 69, RRQ, DATA1)), Verdict::Yes(TFTP));
        // 192.168.2.200:47649 -> 192.168.2.45:35840: the server's OACK.
        let oack = b"\x00\x06blksize\x001468\x00tsize\x00100000\x00";
        assert_eq!(classify(&udp(35840, 47649, b"", oack)), Verdict::Yes(TFTP));
    }

    #[test]
    fn not_tftp() {
        assert_eq!(
            classify(&udp(50618, 69, b"\x00\x01file\x00binary\x00", b"")),
            Verdict::No
        );
        assert_eq!(classify(&udp(50618, 69, b"\x00\x01file", b"")), Verdict::No);
        assert_eq!(classify(&udp(50618, 3445, ACK1, ACK1)), Verdict::No);
        assert_eq!(classify(&udp(50618, 69, RRQ, ACK1)), Verdict::No);
        assert_eq!(
            classify(&udp(35840, 47649, b"", b"\x00\x06colour\x00red\x00")),
            Verdict::No
        );
        assert_eq!(
            classify(&udp(35840, 47649, b"", b"\x00\x06blksize\x00")),
            Verdict::No
        );
        // A DNS query to port 69.
        assert_eq!(
            classify(&udp(50618, 69, b"\xbe\xef\x01\x00\x00\x01\x00\x00", b"")),
            Verdict::No
        );
    }
}

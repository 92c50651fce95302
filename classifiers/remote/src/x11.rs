//! X11 connection setup (X Window System Protocol, "Connection Setup"):
//! the client sends a byte-order byte, `l` (0x6C, LSB first) or `B`
//! (0x42, MSB first), an unused byte, protocol-major-version 11 and
//! protocol-minor-version 0 in that byte order, the lengths of the
//! authorization name and data, and two unused bytes. The server answers
//! Failed (0), Success (1) or Authenticate (2); the first two carry major
//! version 11 at bytes 2–3. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 2] {
    [
        client(&[b'l', 0, 11, 0, 0, 0]),
        client(&[b'B', 0, 0, 11, 0, 0]),
    ]
}

fn setup(p: &[u8]) -> Option<bool> {
    let little = match p.get(..6)? {
        [b'l', 0, 11, 0, 0, 0] => true,
        [b'B', 0, 0, 11, 0, 0] => false,
        _ => return None,
    };
    // Authorization name length: a short protocol name such as
    // "MIT-MAGIC-COOKIE-1", or none.
    let name_len = if little {
        p.get(6).copied()?
    } else {
        p.get(7).copied()?
    };
    (name_len <= 64 && p.get(10..12).is_none_or(|u| u == [0, 0])).then_some(little)
}

fn reply(p: &[u8], little: bool) -> bool {
    let major = if little { [11, 0] } else { [0, 11] };
    match p.first() {
        Some(0 | 1) => p.get(2..4).is_none_or(|m| m == major),
        Some(2) => p.get(1..6).is_none_or(|pad| pad.iter().all(|&b| b == 0)),
        _ => false,
    }
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let s = &flow.server.prefix;
    setup(&flow.client.prefix).is_some_and(|little| s.is_empty() || reply(s, little))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/x11.pcap (tests/tools/record/remote.sh): xdpyinfo
    // against Xvfb over TCP, 127.0.0.1:35592 <-> :6047.
    const SETUP: &[u8] = b"l\x00\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    const SUCCESS: &[u8] = b"\x01\x00\x0b\x00\x00\x00S\x09";

    #[test]
    fn connection_setup() {
        crate::check(matches, &tcp(35592, 6047, SETUP, SUCCESS), crate::X11);
        crate::check(matches, &tcp(35592, 6000, SETUP, b""), crate::X11);
    }

    #[test]
    fn not_x11() {
        // Version 10; a success reply with the other byte order; an SMB
        // negotiate (smbv1.pcap).
        assert!(!matches(&tcp(
            35592,
            6000,
            b"l\x00\x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            b""
        )));
        assert!(!matches(&tcp(
            35592,
            6000,
            SETUP,
            b"\x01\x00\x00\x0b\x00\x00S\x09"
        )));
        assert!(!matches(&tcp(
            50927,
            445,
            b"\x00\x00\x00\x85\xffSMBr\x00\x00\x00",
            b""
        )));
    }
}

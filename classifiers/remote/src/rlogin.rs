//! rlogin (RFC 1282 §"Connection Establishment"): the client sends a NUL,
//! then three NUL-terminated strings, the client user name, the server
//! user name and `terminal-type/speed`; the server acknowledges with one
//! NUL byte. The client's first packet may hold the leading NUL alone.
//! The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(&[0])]
}

/// The three strings after the leading NUL, if they are all there.
fn strings(p: &[u8]) -> bool {
    let mut rest = match p.strip_prefix(&[0]) {
        Some(r) => r,
        None => return false,
    };
    for i in 0..3 {
        let Some(n) = rest.iter().position(|&b| b == 0) else {
            return false;
        };
        let s = &rest[..n];
        if !s.iter().all(u8::is_ascii_graphic) || (i < 2 && s.is_empty()) || s.len() > 64 {
            return false;
        }
        // terminal/speed: the speed is digits.
        if i == 2 {
            let Some(slash) = s.iter().position(|&b| b == b'/') else {
                return false;
            };
            if slash + 1 == s.len() || !s[slash + 1..].iter().all(u8::is_ascii_digit) {
                return false;
            }
        }
        rest = &rest[n + 1..];
    }
    rest.is_empty()
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let s = &flow.server.prefix;
    strings(&flow.client.prefix) && (s.is_empty() || s[0] == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/rlogin.pcap (tests/tools/record/remote.sh): the
    // rlogin client and in.rlogind (rsh-redone), 127.0.0.1:1020 <-> :11513.
    const START: &[u8] = b"\x00root\x00flowsieve\x00xterm/38400\x00";

    #[test]
    fn connection() {
        crate::check(
            matches,
            &tcp(1020, 11513, START, b"\x00Password: "),
            crate::RLOGIN,
        );
        crate::check(matches, &tcp(1020, 513, START, b""), crate::RLOGIN);
    }

    #[test]
    fn not_rlogin() {
        // No speed; more after the strings; a lone NUL (the NetBIOS
        // keepalive in netbios.pcap).
        assert!(!matches(&tcp(
            1020,
            513,
            b"\x00root\x00flowsieve\x00xterm\x00",
            b""
        )));
        assert!(!matches(&tcp(
            1020,
            513,
            b"\x00root\x00flowsieve\x00xterm/38400\x00ls\x00",
            b""
        )));
        assert!(!matches(&tcp(1398, 139, b"\x00", b"")));
    }
}

//! SOCKS4/4a and SOCKS5.
//!
//! SOCKS4 (Ying-Da Lee, "SOCKS: A protocol for TCP proxy across firewalls"
//! and "SOCKS 4A"): the request is VN 4, CD 1 (CONNECT) or 2 (BIND), a
//! port, an IPv4 address (0.0.0.x with x != 0 for 4a, a hostname follows)
//! and a NUL-terminated user id; the reply is 8 bytes, VN 0 and CD 90–93.
//!
//! SOCKS5 (RFC 1928 §3): the greeting is VER 5, NMETHODS (1–9 in practice) and as
//! many method bytes, alone in the client's first packet; the server picks
//! one of them, or 0xFF (none acceptable), in a 2-byte reply. The greeting
//! alone is too short to tell, so SOCKS5 needs the server's choice.
//! The port is not needed.

use crate::{Verdict, SOCKS4, SOCKS5};
use flowsieve_sdk::prelude::*;

pub(crate) fn socks4_leads() -> [Lead; 2] {
    [client(&[4, 1]), client(&[4, 2])]
}

pub(crate) fn socks5_leads() -> Vec<Lead> {
    (1..=9).map(|n| client(&[5, n])).collect()
}

/// The user id (and the 4a hostname) as NUL-terminated strings, the
/// request ending exactly with the first packet.
fn socks4_request(side: &Side) -> bool {
    let p = &side.prefix;
    if p.len() < 9 || p[0] != 4 || !matches!(p[1], 1 | 2) {
        return false;
    }
    let socks4a = p[4..7] == [0, 0, 0] && p[7] != 0;
    let Some(user_end) = p[8..].iter().position(|&b| b == 0).map(|i| 8 + i) else {
        return false;
    };
    if !p[8..user_end].iter().all(|b| (0x20..0x7f).contains(b)) {
        return false;
    }
    let end = if socks4a {
        let host = &p[user_end + 1..];
        let Some(n) = host.iter().position(|&b| b == 0) else {
            return false;
        };
        if n == 0 || !host[..n].iter().all(|b| b.is_ascii_graphic()) {
            return false;
        }
        user_end + 1 + n + 1
    } else {
        user_end + 1
    };
    end as u32 == side.first_payload_len
}

fn socks4_reply(side: &Side) -> bool {
    let p = &side.prefix;
    p.len() >= 8 && p[0] == 0 && (90..=93).contains(&p[1]) && side.first_payload_len == 8
}

pub(crate) fn classify4(flow: &FlowView) -> Verdict {
    if socks4_request(&flow.client) && (flow.server.prefix.is_empty() || socks4_reply(&flow.server))
    {
        Verdict::Yes(SOCKS4)
    } else {
        Verdict::No
    }
}

pub(crate) fn classify5(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let n = usize::from(*c.get(1).unwrap_or(&0));
    // Clients offer a handful of methods (the leads list NMETHODS 1–9).
    if c.first() != Some(&5)
        || !(1..=9).contains(&n)
        || flow.client.first_payload_len as usize != 2 + n
    {
        return Verdict::No;
    }
    let Some(methods) = c.get(2..2 + n) else {
        return Verdict::No;
    };
    // Methods: 0–9 assigned (RFC 1928, IANA), 0x80–0xFE private.
    if !methods
        .iter()
        .all(|&m| m <= 9 || (0x80..=0xfe).contains(&m))
    {
        return Verdict::No;
    }
    if s.is_empty() {
        return Verdict::Maybe;
    }
    let chosen = s.get(1).copied();
    if s[0] == 5
        && flow.server.first_payload_len == 2
        && chosen.is_some_and(|m| m == 0xff || methods.contains(&m))
    {
        Verdict::Yes(SOCKS5)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/socks4.pcap (tests/tools/record/web.sh): curl
    // --socks4 and --socks4a through pproxy, 127.0.0.1:53262 and :53274 ->
    // :11081.
    const S4: &[u8] = b"\x04\x01F\xa0\x7f\x00\x00\x01\x00";
    const S4A: &[u8] = b"\x04\x01F\xa0\x00\x00\x00\x01\x00localhost\x00";
    const S4_GRANTED: &[u8] = b"\x00ZF\xa0\x7f\x00\x00\x01";
    // tests/data/recorded/socks5.pcap: curl --socks5 through microsocks,
    // 127.0.0.1:42620 <-> :11080.
    const S5: &[u8] = b"\x05\x02\x00\x01";

    #[test]
    fn socks4_and_4a() {
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify4,
            &tcp(53262, 11081, S4, S4_GRANTED),
            SOCKS4,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify4,
            &tcp(53274, 1080, S4A, b""),
            SOCKS4,
        );
    }

    #[test]
    fn socks5_greeting() {
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify5,
            &tcp(42620, 11080, S5, b"\x05\x00"),
            SOCKS5,
        );
        assert_eq!(classify5(&tcp(42620, 11080, S5, b"")), Verdict::Maybe);
    }

    #[test]
    fn not_socks() {
        // A method the client did not offer; a server that says more than
        // 2 bytes (an SSH banner, ssh.pcap); a 4a request without its
        // hostname; a SOCKS4 request with trailing bytes.
        assert_eq!(classify5(&tcp(42620, 1080, S5, b"\x05\x02")), Verdict::No);
        assert_eq!(
            classify5(&tcp(42620, 1080, S5, b"SSH-2.0-OpenSSH_5.3\r\n")),
            Verdict::No
        );
        assert_eq!(classify4(&tcp(53274, 1080, &S4A[..9], b"")), Verdict::No);
        let mut f = tcp(53262, 1080, S4, b"");
        f.client.first_payload_len = 12;
        assert_eq!(classify4(&f), Verdict::No);
    }
}

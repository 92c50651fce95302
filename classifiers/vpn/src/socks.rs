//! SOCKS proxies.
//!
//! SOCKS4 ("SOCKS: A protocol for TCP proxy across firewalls", Ying-Da Lee;
//! SOCKS4A extension): the client sends VN 4, CD 1 (CONNECT) or 2 (BIND),
//! the destination port and IPv4 address, a NUL-terminated user id and,
//! for 4A (address 0.0.0.x, x ≠ 0), a NUL-terminated host name. The reply is
//! 8 bytes: VN 0 and CD 90–93 (granted, rejected, identd failures).
//!
//! SOCKS5 (RFC 1928 §3–§6): the client greets with VER 5, NMETHODS ≥ 1 and
//! that many method bytes; the server picks one of them, or 0xFF, in a
//! 2-byte answer `05 method`. The client's request that follows
//! (`05 CMD 00 ATYP`, CMD 1–3, ATYP 1, 3 or 4) or, after method 2, its
//! RFC 1929 username/password sub-negotiation (version 1) is checked when
//! the stream shows it.

use flowsieve_sdk::prelude::*;

pub(crate) fn socks4_leads() -> [Lead; 2] {
    [client(&[4, 1]), client(&[4, 2])]
}

pub(crate) fn socks5_leads() -> [Lead; 1] {
    [client(&[5])]
}

fn nul_terminated(p: &[u8]) -> Option<&[u8]> {
    let end = p.iter().position(|&b| b == 0)?;
    Some(&p[end + 1..])
}

/// A SOCKS4/4A request, as far as the prefix shows it.
fn socks4_request(p: &[u8]) -> bool {
    if p.len() < 9 || p[0] != 4 || !matches!(p[1], 1 | 2) {
        return false;
    }
    let Some(rest) = nul_terminated(&p[8..]) else {
        return p.len() == 256; // a user id longer than the prefix
    };
    let socks4a = p[4..7] == [0, 0, 0] && p[7] != 0;
    if socks4a {
        nul_terminated(rest).is_some_and(|_| p[8..].iter().filter(|&&b| b == 0).count() >= 2)
    } else {
        p[4..8] != [0, 0, 0, 0]
    }
}

fn socks4_reply(p: &[u8]) -> bool {
    p.len() >= 8 && p[0] == 0 && (90..=93).contains(&p[1])
}

pub(crate) fn matches_socks4(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    socks4_request(c) && (s.is_empty() || socks4_reply(s))
}

/// The greeting's methods and what follows them in the client's stream.
fn socks5_greeting(p: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&ver, &n) = (p.first()?, p.get(1)?);
    let methods = p.get(2..2 + usize::from(n))?;
    // IANA: 0–3 assigned, 5–9 assigned, 0x80–0xFE private; 0xFF never offered.
    let ok = ver == 5 && n >= 1 && methods.iter().all(|&m| m <= 9 || (0x80..0xff).contains(&m));
    ok.then(|| (methods, &p[2 + usize::from(n)..]))
}

fn socks5_request(p: &[u8]) -> bool {
    p.len() < 4 || (p[0] == 5 && matches!(p[1], 1..=3) && p[2] == 0 && matches!(p[3], 1 | 3 | 4))
}

pub(crate) fn matches_socks5(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let Some((methods, next)) = socks5_greeting(c) else {
        return false;
    };
    if s.is_empty() {
        // The greeting followed by a request; a lone greeting (3 bytes or
        // so) is too little evidence off the usual ports (1080; Tor's 9050).
        return if next.is_empty() {
            flow.port_in(&[1080, 9050])
        } else {
            socks5_request(next)
        };
    }
    let (Some(&5), Some(&chosen)) = (s.first(), s.get(1)) else {
        return false;
    };
    let follow_up = match chosen {
        0 => socks5_request(next),
        2 => next.first().is_none_or(|&v| v == 1),
        _ => true,
    };
    (chosen == 0xff || methods.contains(&chosen)) && follow_up
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // socks.pcap (tests/tools/record/socks.sh): curl -> danted
    // 127.0.0.1:11080. SOCKS4 CONNECT 127.0.0.1:18080 (client :48994), the
    // grant; SOCKS4A to "localhost" (:49008), rejected.
    const S4: &[u8] = b"\x04\x01\x46\xa0\x7f\x00\x00\x01\x00";
    const S4_OK: &[u8] = b"\x00\x5a\x9a\xfb\x7f\x00\x00\x01";
    const S4A: &[u8] = b"\x04\x01\x46\xa0\x00\x00\x00\x01\x00localhost\x00";
    const S4A_NO: &[u8] = b"\x00\x5b\xe3\xbb\x7f\x00\x00\x01";
    // SOCKS5 (:49016): greeting (no auth, user/pass) then CONNECT, in the
    // client's stream; "no auth" then the reply in the server's.
    const S5: &[u8] = b"\x05\x02\x00\x01\x05\x01\x00\x01\x7f\x00\x00\x01\x46\xa0";
    const S5_OK: &[u8] = b"\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x88\x7d";

    #[test]
    fn socks() {
        assert!(
            matches_socks4(&tcp(48994, 11080, S4, S4_OK))
                && crate::offered(crate::SOCKS4, &tcp(48994, 11080, S4, S4_OK))
        );
        assert!(
            matches_socks4(&tcp(49008, 11080, S4A, S4A_NO))
                && crate::offered(crate::SOCKS4, &tcp(49008, 11080, S4A, S4A_NO))
        );
        assert!(
            matches_socks5(&tcp(49016, 11080, S5, S5_OK))
                && crate::offered(crate::SOCKS5, &tcp(49016, 11080, S5, S5_OK))
        );
        assert!(
            matches_socks5(&tcp(49016, 11080, &S5[..8], b""))
                && crate::offered(crate::SOCKS5, &tcp(49016, 11080, &S5[..8], b""))
        );
        assert!(
            matches_socks5(&tcp(49016, 1080, &S5[..4], b""))
                && crate::offered(crate::SOCKS5, &tcp(49016, 1080, &S5[..4], b""))
        );
        assert!(!matches_socks5(&tcp(49016, 11080, &S5[..4], b"")));
    }

    #[test]
    fn not_socks() {
        // A method the client did not offer; a SOCKS4 reply code out of
        // range; a 4A request without its host name; TLS; WireGuard's
        // type 4 header.
        assert!(!matches_socks5(&tcp(49016, 11080, S5, b"\x05\x02")));
        assert!(!matches_socks4(&tcp(
            48994,
            11080,
            S4,
            b"\x00\x20\x9a\xfb\x7f\x00\x00\x01"
        )));
        assert!(!matches_socks4(&tcp(49008, 11080, &S4A[..9], b"")));
        assert!(!matches_socks5(&tcp(
            40000,
            443,
            b"\x16\x03\x01\x02\x00\x01",
            b""
        )));
        assert!(!matches_socks4(&tcp(
            40000,
            1080,
            b"\x04\x00\x00\x00\x6d\xa6\x61\x5e\x70",
            b""
        )));
    }
}

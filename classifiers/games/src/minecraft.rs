//! Minecraft, Java edition (the protocol as documented by the community
//! wiki, "Java Edition protocol": Packet format, Handshaking, Status,
//! Login): every packet is a VarInt length, then a VarInt packet id and its
//! fields. A connection opens with the client's Handshake (id 0): a VarInt
//! protocol version, the server address as a VarInt-prefixed string of at
//! most 255 bytes, an unsigned short port and the next state (1 status,
//! 2 login, 3 transfer), all of which must fill the announced length
//! exactly. The server's first packet (a status response, a pong, or a
//! login-state packet, ids 0–3) is framed the same way. A pre-1.7 client's
//! legacy ping (0xFE) is not matched.

use flowsieve_sdk::prelude::*;

/// The handshake's id (0) after a one- or two-byte length.
pub(crate) fn leads() -> [Lead; 2] {
    [
        client(&[0, 0]).masked(&[0x80, 0xff]),
        client(&[0x80, 0, 0]).masked(&[0x80, 0x80, 0xff]),
    ]
}

/// A VarInt at the start of `p`: (value, bytes used).
fn varint(p: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, &b) in p.iter().take(5).enumerate() {
        value |= u32::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

pub(crate) enum Verdict {
    Yes,
    Maybe,
    No,
}

/// The handshake: `Maybe` while the prefix is too short to tell.
fn handshake(p: &[u8]) -> Verdict {
    let Some((len, n)) = varint(p) else {
        return if p.len() < 3 {
            Verdict::Maybe
        } else {
            Verdict::No
        };
    };
    let len = len as usize;
    if !(7..=300).contains(&len) {
        return Verdict::No;
    }
    let Some(body) = p.get(n..n + len) else {
        // Cut by the stream prefix, or still arriving.
        return if p.len() < n + len && p.get(n).is_none_or(|&id| id == 0) {
            Verdict::Maybe
        } else {
            Verdict::No
        };
    };
    let parse = || -> Option<bool> {
        let (id, a) = varint(body)?;
        let (_version, b) = varint(&body[a..])?;
        let (host_len, c) = varint(&body[a + b..])?;
        let host_at = a + b + c;
        let host = body.get(host_at..host_at + host_len as usize)?;
        let rest = &body[host_at + host.len()..];
        Some(
            id == 0
                && (1..=255).contains(&host_len)
                && host.iter().all(|&ch| ch >= 0x20 && ch != 0x7f)
                && rest.len() == 3
                && matches!(rest[2], 1..=3),
        )
    };
    if parse() == Some(true) {
        Verdict::Yes
    } else {
        Verdict::No
    }
}

/// The server's first packet: a well-framed packet of id 0–3.
fn server_packet(p: &[u8]) -> bool {
    let Some((len, n)) = varint(p) else {
        return false;
    };
    (1..=0x20_0000).contains(&len) && p.get(n).is_some_and(|&id| id <= 3)
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    match handshake(&flow.client.prefix) {
        Verdict::Yes if s.is_empty() || server_packet(s) => Verdict::Yes,
        Verdict::Maybe if flow.client.prefix.is_empty() => Verdict::No,
        Verdict::Maybe if s.is_empty() || server_packet(s) => Verdict::Maybe,
        _ => Verdict::No,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // minecraft.pcap (tests/tools/record/minecraft.sh): mcstatus
    // 127.0.0.1:56770 -> quarry server :25599: the handshake (protocol 47,
    // "127.0.0.1", port 25599, next state 1; its length byte came in a
    // segment of its own), the status request; the status response.
    pub(crate) const STATUS: &[u8] = b"\x0f\x00\x2f\x09127.0.0.1\x63\xff\x01\x01\x00";
    pub(crate) const RESPONSE: &[u8] =
        b"\x88\x01\x00\x85\x01{\"description\": {\"text\": \"flowsieve test server\"}";
    // Same capture, :56776: the handshake then a ping; the pong.
    const PING: &[u8] =
        b"\x0f\x00\x2f\x09127.0.0.1\x63\xff\x01\x09\x01\x43\xb0\x9c\xf5\x14\xb8\xde\x8e";
    const PONG: &[u8] = b"\x09\x01\x43\xb0\x9c\xf5\x14\xb8\xde\x8e";

    #[test]
    fn minecraft() {
        assert!(matches!(
            classify(&tcp(56770, 25599, STATUS, RESPONSE)),
            Verdict::Yes
        ));
        assert!(matches!(
            classify(&tcp(56776, 25599, PING, PONG)),
            Verdict::Yes
        ));
        assert!(matches!(
            classify(&tcp(56770, 25565, STATUS, b"")),
            Verdict::Yes
        ));
        assert!(matches!(
            classify(&tcp(56770, 25599, &STATUS[..1], b"")),
            Verdict::Maybe
        ));
    }

    #[test]
    fn not_minecraft() {
        // Next state 4; a length that the fields do not fill; an HTTP answer;
        // a DNS-over-TCP query (length 0x001d, id 0xbeef).
        let mut bad = STATUS.to_vec();
        bad[15] = 4;
        assert!(matches!(
            classify(&tcp(56770, 25599, &bad, b"")),
            Verdict::No
        ));
        let mut short = STATUS.to_vec();
        short[0] = 0x0e;
        assert!(matches!(
            classify(&tcp(56770, 25599, &short, b"")),
            Verdict::No
        ));
        assert!(matches!(
            classify(&tcp(56770, 25599, STATUS, b"HTTP/1.1 400 Bad Request\r\n")),
            Verdict::No
        ));
        let dns = b"\x00\x1d\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
        assert!(matches!(classify(&tcp(40000, 53, dns, b"")), Verdict::No));
    }
}

//! MySQL / MariaDB client/server protocol (MySQL Internals, "Client/Server
//! Protocol": Protocol::Packet and Protocol::HandshakeV10). Every packet is
//! a 3-byte little-endian payload length and a sequence id; the server
//! speaks first with sequence 0: a HandshakeV10 (protocol version 10, a
//! NUL-terminated printable server version, a 4-byte connection id, 8 bytes
//! of auth data and a 0x00 filler) or an ERR_Packet (0xFF, a 2-byte error
//! code, e.g. 1130 "Host is not allowed to connect"). The client answers
//! with sequence 1 (HandshakeResponse41 or SSLRequest). The port is not
//! needed.

use crate::{Verdict, MYSQL};
use flowsieve_sdk::prelude::*;

/// Payload length of the packet at the start of `p`.
fn le_u24(p: &[u8]) -> Option<u32> {
    let b = p.get(..3)?;
    Some(u32::from(b[0]) | u32::from(b[1]) << 8 | u32::from(b[2]) << 16)
}

pub(crate) fn leads() -> [Lead; 2] {
    [server(&[0, 0x0a]).at(3), server(&[0, 0xff]).at(3)]
}

fn greeting(side: &Side) -> bool {
    let p = &side.prefix;
    let Some(len) = le_u24(p) else { return false };
    if p.get(3) != Some(&0) || !(3..=1024).contains(&len) || len + 4 > side.first_payload_len {
        return false;
    }
    match p.get(4) {
        Some(0x0a) => {
            // Server version: printable, starting with a digit, NUL-terminated.
            let Some(rest) = p.get(5..) else { return false };
            let Some(nul) = rest.iter().take(64).position(|&b| b == 0) else {
                return false;
            };
            if nul == 0
                || !rest[0].is_ascii_digit()
                || !rest[..nul].iter().all(|b| (0x20..0x7f).contains(b))
            {
                return false;
            }
            // Connection id (4), auth-plugin-data part 1 (8), filler 0x00.
            let filler = 5 + nul + 1 + 4 + 8;
            (filler as u32) < 4 + len && p.get(filler).is_none_or(|&b| b == 0)
        }
        Some(0xff) => {
            let code = p.get(5..7).map(|c| u16::from_le_bytes([c[0], c[1]]));
            code.is_some_and(|c| (1000..3000).contains(&c))
        }
        _ => false,
    }
}

fn client_reply(side: &Side) -> bool {
    let p = &side.prefix;
    p.is_empty()
        || (le_u24(p).is_some_and(|len| (4..1 << 16).contains(&len)) && p.get(3) == Some(&1))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if greeting(&flow.server) && client_reply(&flow.client) {
        Verdict::Yes(MYSQL)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/mysql.pcap (tests/tools/record/mysql.sh),
    // 127.0.0.1:46780 <-> :13306: MariaDB 10.11's HandshakeV10 (104 bytes)
    // and the mariadb client's HandshakeResponse41 (192 bytes).
    pub(crate) const GREETING: &[u8] = b"d\x00\x00\x00\n5.5.5-10.11.19-MariaDB-0+deb12u1\x00\x04\x00\x00\x00[[7?uT#M\x00\xfe\xf7-\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00?0rnQ*{Q`p2E\x00mysql_na";
    const RESPONSE: &[u8] = b"\xbc\x00\x00\x01\x84\xa2\xbf\x00\x00\x00\x10\x00!\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00root\x00\x00mysql_native_password\x00";

    fn flow(c: &[u8], s: &[u8]) -> FlowView {
        let mut f = tcp(46780, 13306, c, s);
        f.server.first_payload_len = 104;
        f.client.first_payload_len = 192;
        f
    }

    #[test]
    fn mariadb_handshake() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &flow(RESPONSE, GREETING),
            MYSQL,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &flow(b"", GREETING),
            MYSQL,
        );
    }

    #[test]
    fn not_mysql() {
        // The greeting truncated by its own length field; an SSH banner
        // (ssh.pcap's server) in its place; a client sequence id of 0.
        let mut f = flow(RESPONSE, GREETING);
        f.server.first_payload_len = 50;
        assert_eq!(classify(&f), Verdict::No);
        assert_eq!(
            classify(&flow(RESPONSE, b"SSH-2.0-OpenSSH_5.3\r\n")),
            Verdict::No
        );
        let mut c = RESPONSE.to_vec();
        c[3] = 0;
        assert_eq!(classify(&flow(&c, GREETING)), Verdict::No);
    }
}

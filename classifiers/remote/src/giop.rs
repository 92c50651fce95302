//! CORBA GIOP/IIOP (OMG CORBA 3.3 Part 2, §9.4.1 "GIOP Message Header"):
//! every message starts with the magic `GIOP`, the GIOP version (major 1,
//! minor 0–3), a flags byte (1.0: the byte-order boolean; 1.1+: bit 0 byte
//! order, bit 1 more fragments), the message type and the body size as a
//! 4-byte integer in the sender's byte order. A client opens with Request
//! (0) or LocateRequest (3); the server answers Reply (1), LocateReply (4),
//! CloseConnection (5) or MessageError (6). The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"GIOP")]
}

fn message(p: &[u8], types: &[u8]) -> bool {
    let (Some(&minor), Some(&flags), Some(&kind), Some(size)) =
        (p.get(5), p.get(6), p.get(7), p.get(8..12))
    else {
        return false;
    };
    let size = if flags & 1 == 1 {
        u32::from_le_bytes([size[0], size[1], size[2], size[3]])
    } else {
        u32::from_be_bytes([size[0], size[1], size[2], size[3]])
    };
    p.starts_with(b"GIOP")
        && p[4] == 1
        && minor <= 3
        && flags & !3 == 0
        && types.contains(&kind)
        && size < 1 << 24
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let s = &flow.server.prefix;
    message(&flow.client.prefix, &[0, 3]) && (s.is_empty() || message(s, &[1, 4, 5, 6]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/giop.pcap (tests/tools/record/remote.sh giop):
    // omniORB's nameclt asking omniNames `_is_a`, 127.0.0.1:33224 <->
    // :12809, GIOP 1.0 little-endian Request and Reply.
    const REQUEST: &[u8] = b"GIOP\x01\x00\x01\x00X\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x0b\x00\x00\x00NameService\x00\x06\x00\x00\x00_is_a\x00";
    const REPLY: &[u8] =
        b"GIOP\x01\x00\x01\x01\r\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01";

    #[test]
    fn request_reply() {
        crate::check(matches, &tcp(33224, 12809, REQUEST, REPLY), crate::GIOP);
        crate::check(matches, &tcp(33224, 2809, REQUEST, b""), crate::GIOP);
    }

    #[test]
    fn not_giop() {
        // A Reply sent by the client; GIOP 2.0; an HTTP answer.
        assert!(!matches(&tcp(33224, 2809, REPLY, b"")));
        let mut v2 = REQUEST.to_vec();
        v2[4] = 2;
        assert!(!matches(&tcp(33224, 2809, &v2, b"")));
        assert!(!matches(&tcp(
            33224,
            2809,
            REQUEST,
            b"HTTP/1.1 400 Bad Request\r\n"
        )));
    }
}

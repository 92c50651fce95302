//! MongoDB wire protocol (MongoDB manual, "MongoDB Wire Protocol"): every
//! message starts with a 16-byte little-endian header: messageLength
//! (counting the header), requestID, responseTo and opCode. A client opens
//! with OP_MSG (2013), legacy OP_QUERY (2004, the `isMaster` handshake) or
//! OP_COMPRESSED (2012), responseTo 0; the server answers with OP_MSG,
//! OP_REPLY (1) or OP_COMPRESSED whose responseTo is the client's
//! requestID. The port is not needed.

use crate::{Verdict, MONGODB};
use flowsieve_sdk::prelude::*;

const OP_REPLY: u32 = 1;
const OP_QUERY: u32 = 2004;
const OP_COMPRESSED: u32 = 2012;
const OP_MSG: u32 = 2013;

pub(crate) fn leads() -> Vec<Lead> {
    [OP_QUERY, OP_COMPRESSED, OP_MSG]
        .iter()
        .map(|op| {
            let mut v = vec![0u8; 4];
            v.extend_from_slice(&op.to_le_bytes());
            client(&v).at(8)
        })
        .collect()
}

fn le_u32(p: &[u8], at: usize) -> Option<u32> {
    let b = p.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// (length, requestID, responseTo, opCode) of a plausible header.
fn header(side: &Side) -> Option<(u32, u32, u32, u32)> {
    let p = &side.prefix;
    let len = le_u32(p, 0)?;
    (21..48_000_000)
        .contains(&len)
        .then_some((len, le_u32(p, 4)?, le_u32(p, 8)?, le_u32(p, 12)?))
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let Some((_, request_id, 0, op)) = header(&flow.client) else {
        return Verdict::No;
    };
    if !matches!(op, OP_QUERY | OP_COMPRESSED | OP_MSG) {
        return Verdict::No;
    }
    if flow.server.prefix.is_empty() {
        return Verdict::Yes(MONGODB);
    }
    match header(&flow.server) {
        Some((_, _, to, OP_REPLY | OP_MSG | OP_COMPRESSED)) if to == request_id => {
            Verdict::Yes(MONGODB)
        }
        _ => Verdict::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/mongodb.pcap (tests/tools/record/clients-only.sh):
    // pymongo's OP_MSG `ismaster` handshake, 127.0.0.1:49732 -> :27017.
    const HELLO: &[u8] = b"J\x01\x00\x00gE\x8bk\x00\x00\x00\x00\xdd\x07\x00\x00\x00\x00\x00\x00\x005\x01\x00\x00\x10ismaster\x00\x01\x00\x00\x00\x08helloOk\x00";

    #[test]
    fn op_msg_hello() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(49732, 27017, HELLO, b""),
            MONGODB,
        );
        // A reply must point back at requestID 0x6b8b4567.
        let reply = b"\x20\x01\x00\x00\x01\x00\x00\x00gE\x8bk\xdd\x07\x00\x00";
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(49732, 27017, HELLO, reply),
            MONGODB,
        );
    }

    #[test]
    fn not_mongodb() {
        let wrong = b"\x20\x01\x00\x00\x01\x00\x00\x00gE\x8bj\xdd\x07\x00\x00";
        assert_eq!(classify(&tcp(49732, 27017, HELLO, wrong)), Verdict::No);
        // An HTTP request and the server's 16-byte header sent by a client.
        assert_eq!(
            classify(&tcp(49732, 27017, b"GET / HTTP/1.1\r\nHost: x\r\n", b"")),
            Verdict::No
        );
        assert_eq!(classify(&tcp(49732, 27017, wrong, b"")), Verdict::No);
    }
}

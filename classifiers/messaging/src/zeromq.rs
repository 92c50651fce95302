//! ZeroMQ's ZMTP 2.0 and 3.x (rfc.zeromq.org 15/ZMTP and 23/ZMTP, greeting):
//! both peers open with a 10-byte signature, 0xFF, 8 bytes of padding and
//! 0x7F, then the version (ZMTP 3: major 3, minor 0 or 1, then the
//! security mechanism name; ZMTP 2: revision 1, then the socket type). The
//! port is not needed.

use crate::{Verdict, ZEROMQ};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    let mut mask = [0u8; 10];
    mask[0] = 0xff;
    mask[9] = 0xff;
    let mut value = [0u8; 10];
    value[0] = 0xff;
    value[9] = 0x7f;
    [either(&value).masked(&mask)]
}

fn greeting(p: &[u8]) -> bool {
    p.len() >= 10
        && p[0] == 0xff
        && p[9] == 0x7f
        && p.get(10).is_none_or(|&v| (1..=3).contains(&v))
        && match p.get(10) {
            Some(3) => p.get(12).is_none_or(|m| m.is_ascii_uppercase()),
            _ => true,
        }
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let ok = (greeting(c) && (s.is_empty() || greeting(s))) || (c.is_empty() && greeting(s));
    if ok {
        Verdict::Yes(ZEROMQ)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/zeromq.pcap (tests/tools/record/messaging.sh):
    // pyzmq REQ/REP (libzmq 4, ZMTP 3.1), 127.0.0.1:55986 <-> :15555; both
    // greetings as reassembled (signature, version 3.1, mechanism NULL).
    const GREETING: &[u8] = b"\xff\x00\x00\x00\x00\x00\x00\x00\x01\x7f\x03\x01NULL\x00\x00\x00\x00";

    #[test]
    fn zmtp3_greetings() {
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(55986, 15555, GREETING, GREETING),
            ZEROMQ,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Messaging>(
            classify,
            &tcp(55986, 15555, &GREETING[..10], b""),
            ZEROMQ,
        );
    }

    #[test]
    fn not_zeromq() {
        // A TLS answer; Telnet's IAC negotiation (0xFF first); version 9.
        assert_eq!(
            classify(&tcp(55986, 15555, GREETING, &[0x16, 3, 3, 0, 0x3a, 2])),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(
                55986,
                23,
                b"",
                b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"
            )),
            Verdict::No
        );
        let mut v = GREETING.to_vec();
        v[10] = 9;
        assert_eq!(classify(&tcp(55986, 15555, &v, b"")), Verdict::No);
    }
}

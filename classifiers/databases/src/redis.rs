//! Redis serialization protocol, RESP2/RESP3 (redis.io "Redis serialization
//! protocol specification"): clients send commands as an array of bulk
//! strings, `*<n>\r\n$<len>\r\n<COMMAND>\r\n`, the command a word of
//! letters; the server answers with a typed reply whose first byte names
//! its type (`+` simple string, `-` error, `:` integer, `$` bulk string,
//! `*` array, RESP3 `%` map, `_` null, `#` boolean, `,` double, `(` big
//! number, `!` bulk error, `=` verbatim, `~` set, `>` push, `|`
//! attribute), the header line ending in CRLF. The port is not needed.

use crate::{Verdict, REDIS};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 1] {
    [client(b"*")]
}

/// `<mark><digits>\r\n` at the start of `p`; returns the rest.
fn counted(p: &[u8], mark: u8) -> Option<&[u8]> {
    let rest = p.strip_prefix(&[mark])?;
    let digits = rest
        .iter()
        .take(10)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if digits == 0 {
        return None;
    }
    rest[digits..].strip_prefix(b"\r\n")
}

fn command(p: &[u8]) -> bool {
    let Some(rest) = counted(p, b'*').and_then(|r| counted(r, b'$')) else {
        return false;
    };
    let word = rest.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    word >= 3 && rest[word..].starts_with(b"\r\n")
}

fn reply(p: &[u8]) -> bool {
    let Some((&kind, rest)) = p.split_first() else {
        return false;
    };
    let line = rest.iter().take(200).position(|&b| b == b'\r');
    let Some(end) = line else {
        // The line may continue past the prefix only if the prefix is full.
        return false;
    };
    let body = &rest[..end];
    rest.get(end + 1) == Some(&b'\n')
        && match kind {
            b'+' | b'-' | b'!' | b'=' => {
                !body.is_empty() && body.iter().all(|b| (0x20..0x7f).contains(b))
            }
            b':' | b'$' | b'*' | b'%' | b'~' | b'>' | b'|' | b'(' => {
                let digits = body.strip_prefix(b"-").unwrap_or(body);
                !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
            }
            b'_' => body.is_empty(),
            b'#' => body == b"t" || body == b"f",
            b',' => !body.is_empty() && body.iter().all(|b| b.is_ascii_graphic()),
            _ => false,
        }
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    let s = &flow.server.prefix;
    if command(&flow.client.prefix) && (s.is_empty() || reply(s)) {
        Verdict::Yes(REDIS)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/redis.pcap (tests/tools/record/redis.sh): redis-cli
    // against redis-server 7.0: SET answered `+OK`, HELLO 3 answered with a
    // RESP3 map.
    const SET: &[u8] = b"*3\r\n$3\r\nSET\r\n$9\r\nflowsieve\r\n$5\r\nrules\r\n";
    const HELLO: &[u8] = b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n";
    const MAP: &[u8] = b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n";

    #[test]
    fn resp2_and_resp3() {
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(34356, 16379, SET, b"+OK\r\n"),
            REDIS,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(34372, 16379, HELLO, MAP),
            REDIS,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify,
            &tcp(34372, 6379, HELLO, b""),
            REDIS,
        );
    }

    #[test]
    fn not_redis() {
        // An HTTP answer; a bare `*` line without a bulk string; memcached's
        // reply (memcached.pcap) to a RESP command.
        assert_eq!(
            classify(&tcp(34356, 6379, SET, b"HTTP/1.1 400 Bad Request\r\n")),
            Verdict::No
        );
        assert_eq!(
            classify(&tcp(34356, 6379, b"*3\r\nSET\r\n", b"")),
            Verdict::No
        );
        assert_eq!(classify(&tcp(34356, 6379, SET, b"ERROR\r\n")), Verdict::No);
    }
}

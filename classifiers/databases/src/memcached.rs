//! Memcached (memcached's doc/protocol.txt): the text protocol's commands
//! are lower-case words followed by a space or CRLF (`get`, `set`, `stats`,
//! meta commands `mg`/`ms`/...), answered by upper-case replies (`VALUE `,
//! `END`, `STORED`, `STAT `, `VERSION `, meta `VA`/`HD`/`EN`, or an error).
//! Over UDP every datagram starts with an 8-byte frame header: request id,
//! sequence number, total datagrams, and two reserved zero bytes; the reply
//! echoes the request id. The binary protocol (protocol-binary.txt) uses
//! magic 0x80 for requests and 0x81 for responses. Both directions must
//! agree, or a lone command must end its first packet with CRLF.

use crate::{Verdict, MEMCACHED, MEMCACHED_UDP};
use flowsieve_sdk::prelude::*;

/// Text commands, each with the byte that must follow it.
const COMMANDS: &[&[u8]] = &[
    b"get ",
    b"gets ",
    b"gat ",
    b"gats ",
    b"set ",
    b"add ",
    b"replace ",
    b"append ",
    b"prepend ",
    b"cas ",
    b"delete ",
    b"incr ",
    b"decr ",
    b"touch ",
    b"stats\r\n",
    b"stats ",
    b"version\r\n",
    b"flush_all",
    b"verbosity ",
    b"mg ",
    b"ms ",
    b"md ",
    b"ma ",
    b"mn\r\n",
    b"me ",
];

const REPLIES: &[&[u8]] = &[
    b"VALUE ",
    b"END\r\n",
    b"STORED\r\n",
    b"NOT_STORED\r\n",
    b"EXISTS\r\n",
    b"NOT_FOUND\r\n",
    b"DELETED\r\n",
    b"TOUCHED\r\n",
    b"STAT ",
    b"VERSION ",
    b"OK\r\n",
    b"ERROR\r\n",
    b"CLIENT_ERROR ",
    b"SERVER_ERROR ",
    b"VA ",
    b"HD",
    b"EN\r\n",
    b"NF",
    b"NS",
    b"EX",
    b"MN\r\n",
];

pub(crate) fn tcp_leads() -> Vec<Lead> {
    let mut v: Vec<Lead> = COMMANDS.iter().map(|c| client(c)).collect();
    v.push(client(&[0x80]));
    v
}

pub(crate) fn udp_leads() -> Vec<Lead> {
    COMMANDS.iter().map(|c| client(c).at(8)).collect()
}

fn text_command(p: &[u8]) -> bool {
    COMMANDS.iter().any(|c| p.starts_with(c))
        && p.iter()
            .take(250)
            .position(|&b| b == b'\n')
            .is_some_and(|nl| {
                nl > 0 && p[nl - 1] == b'\r' && p[..nl - 1].iter().all(|b| (0x20..0x7f).contains(b))
            })
}

fn text_reply(p: &[u8]) -> bool {
    REPLIES.iter().any(|r| p.starts_with(r))
}

/// Binary header (24 bytes): magic, opcode, key length, extras length,
/// data type 0, vbucket/status, total body length >= extras + key.
fn binary(p: &[u8], magic: u8) -> bool {
    let (Some(key), Some(body)) = (be_u16(p, 2), be_u32(p, 8)) else {
        return false;
    };
    p[0] == magic && p[1] <= 0x48 && p[5] == 0 && body >= u32::from(key) + u32::from(p[4])
}

pub(crate) fn classify_tcp(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let text = text_command(c)
        && (text_reply(s) || (s.is_empty() && flow.client.first_payload_len as usize <= c.len()));
    let bin = binary(c, 0x80) && binary(s, 0x81) && c.get(1) == s.get(1);
    if text || bin {
        Verdict::Yes(MEMCACHED)
    } else {
        Verdict::No
    }
}

pub(crate) fn classify_udp(flow: &FlowView) -> Verdict {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    let frame = |p: &[u8]| p.get(6..8) == Some(&[0, 0]) && be_u16(p, 4).is_some_and(|n| n >= 1);
    let ok = frame(c)
        && text_command(&c[8..])
        && (s.is_empty() || (frame(s) && s[..2] == c[..2] && text_reply(&s[8..])));
    if ok {
        Verdict::Yes(MEMCACHED_UDP)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    // tests/data/recorded/memcached.pcap (tests/tools/record/memcached.sh):
    // pymemcache's set/get against memcached 1.6, 127.0.0.1:39456 <->
    // :11311, and a UDP get (127.0.0.1:48276) with memcached's answer.
    const SET_GET: &[u8] = b"set flowsieve 0 0 5 noreply\r\nrules\r\nget flowsieve\r\n";
    const VALUE: &[u8] = b"VALUE flowsieve 0 5\r\nrules\r\nEND\r\n";
    const UDP_GET: &[u8] = b"\x00\x01\x00\x00\x00\x01\x00\x00get flowsieve\r\n";
    const UDP_VALUE: &[u8] =
        b"\x00\x01\x00\x00\x00\x01\x00\x00VALUE flowsieve 0 5\r\nrules\r\nEND\r\n";

    #[test]
    fn text_over_tcp_and_udp() {
        let mut f = tcp(39456, 11311, SET_GET, VALUE);
        f.client.first_payload_len = 36;
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(classify_tcp, &f, MEMCACHED);
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify_tcp,
            &tcp(39444, 11311, b"stats\r\n", b"STAT pid 31686\r\n"),
            MEMCACHED,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Databases>(
            classify_udp,
            &udp(48276, 11311, UDP_GET, UDP_VALUE),
            MEMCACHED_UDP,
        );
    }

    #[test]
    fn not_memcached() {
        // SMTP's reply to a get-like line; a UDP reply to another request
        // id; a Redis command.
        assert_eq!(
            classify_tcp(&tcp(39456, 25, b"get x\r\n", b"220 mail ESMTP\r\n")),
            Verdict::No
        );
        let mut other = UDP_VALUE.to_vec();
        other[1] = 2;
        assert_eq!(
            classify_udp(&udp(48276, 11311, UDP_GET, &other)),
            Verdict::No
        );
        assert_eq!(
            classify_tcp(&tcp(34356, 11311, b"*3\r\n$3\r\nSET\r\n", b"+OK\r\n")),
            Verdict::No
        );
    }
}

//! Quake III Arena's connectionless ("out of band") packets, as the
//! id Tech 3 engine implements them (ioquake3, `SV_ConnectionlessPacket`
//! and `CL_ConnectionlessPacket`; the same framing as Quake and Quake II):
//! a datagram starts with four 0xFF bytes, then a command word. Clients
//! send `getinfo`, `getstatus`, `getchallenge`, `connect`, `rcon`,
//! `getservers`; servers answer `infoResponse`, `statusResponse`,
//! `challengeResponse`, `connectResponse`, `getserversResponse`, `print`.
//! Each word is followed by a newline, a space or a backslash-separated
//! info string. Valve's Source engine queries use the same four bytes and
//! a single letter (`TSource Engine Query`): not matched.

use flowsieve_sdk::prelude::*;

const OOB: [u8; 4] = [0xff; 4];
const CLIENT_WORDS: &[&[u8]] = &[
    b"getinfo",
    b"getstatus",
    b"getchallenge",
    b"connect",
    b"rcon",
    b"getservers",
];
const SERVER_WORDS: &[&[u8]] = &[
    b"infoResponse",
    b"statusResponse",
    b"challengeResponse",
    b"connectResponse",
    b"getserversResponse",
    b"print",
];

pub(crate) fn lead() -> Lead {
    either(&OOB)
}

fn command(p: &[u8], words: &[&[u8]]) -> bool {
    let Some(rest) = p.strip_prefix(&OOB[..]) else {
        return false;
    };
    words.iter().any(|w| {
        rest.starts_with(w)
            && rest
                .get(w.len())
                .is_none_or(|&b| matches!(b, b'\n' | b' ' | b'\\' | b'"'))
    })
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    match (c.is_empty(), s.is_empty()) {
        (false, false) => command(c, CLIENT_WORDS) && command(s, SERVER_WORDS),
        (false, true) => command(c, CLIENT_WORDS),
        (true, false) => command(s, SERVER_WORDS),
        (true, true) => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // quake.pcap (tests/tools/record/quake.sh): quakestat
    // 127.0.0.1:60892 -> OpenArena's ioq3ded :27960, getinfo and the start
    // of its infoResponse.
    pub(crate) const GETINFO: &[u8] = b"\xff\xff\xff\xffgetinfo\n";
    pub(crate) const INFO: &[u8] =
        b"\xff\xff\xff\xffinfoResponse\n\\voip\\opus\\g_needpass\\0\\pure\\1\\gametype\\0";

    #[test]
    fn quake() {
        assert!(
            matches(&udp(60892, 27960, GETINFO, INFO))
                && crate::offered(crate::QUAKE, &udp(60892, 27960, GETINFO, INFO))
        );
        assert!(
            matches(&udp(60892, 27960, GETINFO, b""))
                && crate::offered(crate::QUAKE, &udp(60892, 27960, GETINFO, b""))
        );
    }

    #[test]
    fn not_quake() {
        // Valve's A2S_INFO (Source engine query) and its answer's header;
        // an unknown word; a client word from the server.
        let a2s = b"\xff\xff\xff\xffTSource Engine Query\x00";
        assert!(!matches(&udp(40000, 27015, a2s, b"\xff\xff\xff\xffI\x11")));
        assert!(!matches(&udp(
            40000,
            27960,
            b"\xff\xff\xff\xffgetinfox\n",
            b""
        )));
        assert!(!matches(&udp(40000, 27960, GETINFO, GETINFO)));
    }
}

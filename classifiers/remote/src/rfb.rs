//! RFB, the VNC protocol (RFC 6143 §7.1.1 ProtocolVersion): the server
//! opens with a 12-byte version string `RFB xxx.yyy\n` (three digits each:
//! 003.003, 003.007, 003.008, and vendor variants such as 003.889 or
//! 004.001), and the client answers with its own. The port is not needed.

use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> [Lead; 2] {
    [server(b"RFB 0"), client(b"RFB 0")]
}

fn version(p: &[u8]) -> bool {
    p.len() >= 12
        && p.starts_with(b"RFB ")
        && p[4] == b'0'
        && p[5..7].iter().all(u8::is_ascii_digit)
        && p[7] == b'.'
        && p[8..11].iter().all(u8::is_ascii_digit)
        && p[11] == b'\n'
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let (c, s) = (&flow.client.prefix, &flow.server.prefix);
    version(s) && (c.is_empty() || version(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // tests/data/recorded/rfb.pcap (tests/tools/record/remote.sh): x11vnc
    // and TigerVNC's vncviewer, 127.0.0.1:44248 <-> :15947.
    const VERSION: &[u8] = b"RFB 003.008\n";

    #[test]
    fn version_handshake() {
        crate::check(matches, &tcp(44248, 15947, VERSION, VERSION), crate::RFB);
        crate::check(
            matches,
            &tcp(44248, 5900, b"", b"RFB 003.889\n"),
            crate::RFB,
        );
    }

    #[test]
    fn not_rfb() {
        // A truncated version; the client speaking first with a server
        // banner (SSH, ssh.pcap) in reply.
        assert!(!matches(&tcp(44248, 5900, b"", b"RFB 003.8\n")));
        assert!(!matches(&tcp(
            44248,
            5900,
            VERSION,
            b"SSH-2.0-OpenSSH_5.3\r\n"
        )));
    }
}

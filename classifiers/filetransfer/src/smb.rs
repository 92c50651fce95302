//! SMB over TCP (RFC 1002 §4.3.6 / MS-SMB2 §2.1 direct TCP transport): each
//! message is a session message (type 0x00) with a 24-bit big-endian length
//! (MS-SMB2 §2.1; the first byte of the 4 is zero, the top 7 bits of the
//! length are zero under RFC 1002), followed by an SMB1 header
//! (`\xFFSMB`, MS-CIFS §2.2.3.1), an SMB2/3 header (`\xFESMB`, MS-SMB2
//! §2.2.1) or an SMB3 transform header (`\xFDSMB`, §2.2.41). The client
//! speaks first (NEGOTIATE); the server answers the same way.

use crate::{Verdict, SMB};
use flowsieve_sdk::prelude::*;

fn message(side: &Side) -> bool {
    let p = &side.prefix;
    let Some(len) = be_u32(p, 0) else {
        return false;
    };
    // The first payload packet holds the whole header; a message may span
    // several segments, and a segment may carry more than one message.
    (32..1 << 24).contains(&len)
        && matches!(p.get(4), Some(0xfd..=0xff))
        && p.get(5..8) == Some(b"SMB")
        && side.first_payload_len >= 8
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if message(&flow.client) && (flow.server.prefix.is_empty() || message(&flow.server)) {
        Verdict::Yes(SMB)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::tcp;

    // smbv1.pcap (172.16.156.130:50927 <-> 10.128.0.243:445): SMB1
    // NEGOTIATE; smb_deletefile.pcap (192.168.1.118:56848 <-> :445): SMB2.
    const SMB1_NEG: &[u8] = b"\x00\x00\x00\x85\xffSMBr\x00\x00\x00\x00\x18\x53\xc0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xfe\x00\x00\x40\x00";
    const SMB1_NEG_RESP: &[u8] = b"\x00\x00\x00\x71\xffSMBr\x00\x00\x00\x00\x98\x53\xc0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xfe\x00\x00\x40\x00";
    const SMB2_REQ: &[u8] =
        b"\x00\x00\x01\x78\xfeSMB\x40\x00\x01\x00\x00\x00\x00\x00\x05\x00\x00\x01";
    const SMB2_RESP: &[u8] =
        b"\x00\x00\x01\xf0\xfeSMB\x40\x00\x01\x00\x00\x00\x00\x00\x05\x00\x00\x00";

    #[test]
    fn smb1_and_smb2() {
        assert_eq!(
            classify(&tcp(50927, 445, SMB1_NEG, SMB1_NEG_RESP)),
            Verdict::Yes(SMB)
        );
        assert_eq!(
            classify(&tcp(56848, 445, SMB2_REQ, SMB2_RESP)),
            Verdict::Yes(SMB)
        );
    }

    #[test]
    fn not_smb() {
        // A NetBIOS session request (type 0x81), a bare keepalive, HTTP back.
        assert_eq!(
            classify(&tcp(55489, 139, b"\x81\x00\x00\x44\x20EJECEJ", b"")),
            Verdict::No
        );
        assert_eq!(classify(&tcp(1398, 139, b"\x00", b"")), Verdict::No);
        assert_eq!(
            classify(&tcp(56848, 445, SMB2_REQ, b"HTTP/1.1 400 Bad")),
            Verdict::No
        );
    }
}

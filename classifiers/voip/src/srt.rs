//! SRT, Secure Reliable Transport (IETF draft-sharabayko-srt-01, §3.2
//! control packets, §3.2.1 handshake, §4.3 caller-listener handshake): a
//! control packet starts with the F bit set and control type 0 (handshake),
//! subtype 0, then type-specific information, a timestamp and the
//! destination socket id (0 until the peer's is known). The handshake body
//! (48 bytes) holds the version, encryption and extension fields, the
//! initial sequence number, the MTU, the flow window, the handshake type
//! (1 induction, 0xFFFFFFFF conclusion, 0 wave-a-hand …) and the sender's
//! SRT socket id. The caller's induction carries version 4 and extension
//! field 2 (UDT_DGRAM); the listener answers version 5 with the SRT magic
//! 0x4A17, addressed to the caller's socket id.

use flowsieve_sdk::prelude::*;

const HEADER: usize = 16;
const HANDSHAKE: usize = HEADER + 48;

pub(crate) fn lead() -> Lead {
    either(&[0x80, 0, 0, 0])
}

fn size(side: &Side) -> usize {
    (side.first_payload_len as usize).max(side.prefix.len())
}

/// A handshake control packet: (destination socket, version, extension, type, socket id).
fn handshake(side: &Side) -> Option<(u32, u32, u16, u32, u32)> {
    let p = &side.prefix;
    let ok = size(side) >= HANDSHAKE && be_u32(p, 0)? == 0x8000_0000;
    ok.then(|| {
        Some((
            be_u32(p, 12)?,
            be_u32(p, 16)?,
            be_u16(p, 22)?,
            be_u32(p, 36)?,
            be_u32(p, 40)?,
        ))
    })
    .flatten()
}

fn known_type(t: u32) -> bool {
    matches!(t, 0 | 1 | 0xffff_ffff | 0xffff_fffe | 0xffff_fffd)
}

pub(crate) fn matches(flow: &FlowView) -> bool {
    let Some(caller) = handshake(&flow.client) else {
        return false;
    };
    let induction =
        caller.0 == 0 && caller.1 == 4 && caller.2 == 2 && caller.3 == 1 && caller.4 != 0;
    if flow.server.prefix.is_empty() {
        return induction && size(&flow.client) == HANDSHAKE;
    }
    let Some(listener) = handshake(&flow.server) else {
        return false;
    };
    (induction || (matches!(caller.1, 4 | 5) && known_type(caller.3)))
        && listener.0 == caller.4
        && listener.1 == 5
        && listener.2 == 0x4a17
        && known_type(listener.3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    // srt_mpegts.pcap (tests/tools/record/srt_mpegts.sh): ffmpeg SRT caller
    // 127.0.0.1:50630 -> ffmpeg SRT listener :19000, the induction request
    // and response (first 44 of 64 bytes each).
    const INDUCTION: &[u8] = b"\x80\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x9e\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x02\x38\x4e\xc7\x2b\x00\x00\x05\xdc\x00\x00\x20\x00\x00\x00\x00\x01\x3e\x62\x6a\x68";
    const RESPONSE: &[u8] = b"\x80\x00\x00\x00\x00\x00\x00\x00\x00\x2d\xb5\xd5\x3e\x62\x6a\x68\x00\x00\x00\x05\x00\x00\x4a\x17\x38\x4e\xc7\x2b\x00\x00\x05\xdc\x00\x00\x20\x00\x00\x00\x00\x01\x3e\x62\x6a\x68";

    fn sized(c: &[u8], s: &[u8]) -> FlowView {
        let mut f = udp(50630, 19000, c, s);
        f.client.first_payload_len = HANDSHAKE as u32;
        f.server.first_payload_len = if s.is_empty() { 0 } else { HANDSHAKE as u32 };
        f
    }

    #[test]
    fn srt() {
        assert!(
            matches(&sized(INDUCTION, RESPONSE))
                && crate::offered(crate::SRT, &sized(INDUCTION, RESPONSE))
        );
        assert!(
            matches(&sized(INDUCTION, b"")) && crate::offered(crate::SRT, &sized(INDUCTION, b""))
        );
    }

    #[test]
    fn not_srt() {
        // An answer to another socket; a UDT (not SRT) answer without the
        // magic; a data packet (F clear); a short datagram.
        let mut other = RESPONSE.to_vec();
        other[15] ^= 1;
        assert!(!matches(&sized(INDUCTION, &other)));
        let mut udt = RESPONSE.to_vec();
        udt[22] = 0;
        assert!(!matches(&sized(INDUCTION, &udt)));
        let mut data = INDUCTION.to_vec();
        data[0] = 0;
        assert!(!matches(&sized(&data, b"")));
        assert!(!matches(&udp(50630, 19000, INDUCTION, b"")));
    }
}

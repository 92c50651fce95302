//! EtherNet/IP (ODVA, The CIP Networks Library Vol. 2, §2-3 "Encapsulation
//! Protocol"): every message starts with a 24-byte little-endian header,
//! the command, the length of the data after the header, a session handle,
//! a status (0 in requests), an 8-byte sender context that the reply
//! echoes, and options (0). Commands: NOP 0x0000, ListServices 0x0004,
//! ListIdentity 0x0063, ListInterfaces 0x0064, RegisterSession 0x0065,
//! UnRegisterSession 0x0066, SendRRData 0x006F, SendUnitData 0x0070. The
//! reply carries the request's command and context. Over TCP (port 44818)
//! and UDP (ListIdentity and friends, port 44818 too).

use flowsieve_sdk::prelude::*;

const COMMANDS: [u8; 7] = [0x04, 0x63, 0x64, 0x65, 0x66, 0x6f, 0x70];
const HEADER: usize = 24;

/// A request: a known command and status 0.
pub(crate) fn leads() -> Vec<Lead> {
    COMMANDS
        .iter()
        .map(|&c| {
            client(&[c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                .masked(&[0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff])
        })
        .collect()
}

fn le_u16(p: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*p.get(at)?, *p.get(at + 1)?]))
}

/// A header at the start of `side`, its length agreeing with the first
/// packet when that packet holds one message: (command, status, context).
fn header(side: &Side) -> Option<(u8, &[u8], &[u8])> {
    let p = &side.prefix;
    let (cmd, len) = (le_u16(p, 0)?, usize::from(le_u16(p, 2)?));
    let first = (side.first_payload_len as usize).max(p.len().min(HEADER));
    let ok = COMMANDS.contains(&(cmd as u8))
        && cmd < 0x100
        && p.get(20..24)? == [0; 4]
        && first >= HEADER + len;
    ok.then(|| (cmd as u8, &p[8..12], &p[12..20]))
}

fn judge(flow: &FlowView, exact: bool) -> bool {
    let Some((cmd, status, ctx)) = header(&flow.client) else {
        return false;
    };
    let size = |s: &Side| (s.first_payload_len as usize).max(s.prefix.len());
    let req_len = usize::from(le_u16(&flow.client.prefix, 2).unwrap_or(0));
    if status != [0; 4] || (exact && size(&flow.client) != HEADER + req_len) {
        return false;
    }
    if flow.server.prefix.is_empty() {
        return flow.server_port == 44818;
    }
    header(&flow.server).is_some_and(|(c, _, x)| c == cmd && x == ctx)
}

pub(crate) fn matches_tcp(flow: &FlowView) -> bool {
    judge(flow, false)
}

/// Over UDP a datagram is exactly one message.
pub(crate) fn matches_udp(flow: &FlowView) -> bool {
    judge(flow, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::{tcp, udp};

    // enip.pcap (tests/tools/record/enip.sh): cpppo's client 127.0.0.1:52554
    // -> cpppo's server :44818, RegisterSession and its reply (session 6ea53bf9).
    const REGISTER: &[u8] = b"\x65\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00";
    const REGISTERED: &[u8] = b"\x65\x00\x04\x00\xf9\x3b\xa5\x6e\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00";
    // Same capture, UDP :54586 -> :44818: ListIdentity and the first 32 of
    // the 84-byte reply.
    const LIST: &[u8] = b"\x63\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00";
    const IDENTITY: &[u8] = b"\x63\x00\x3c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x0c\x00\x36\x00\x01\x00";

    #[test]
    fn enip() {
        assert!(
            matches_tcp(&tcp(52554, 44818, REGISTER, REGISTERED))
                && crate::offered(crate::ENIP, &tcp(52554, 44818, REGISTER, REGISTERED))
        );
        assert!(
            matches_tcp(&tcp(52554, 44818, REGISTER, b""))
                && crate::offered(crate::ENIP, &tcp(52554, 44818, REGISTER, b""))
        );
        let mut reply = udp(54586, 44818, LIST, IDENTITY);
        reply.server.first_payload_len = 84;
        assert!(matches_udp(&reply) && crate::offered(crate::ENIP_UDP, &reply));
    }

    #[test]
    fn not_enip() {
        // Another context echoed; a lone request off the port; a length that
        // overruns its datagram; Modbus.
        let mut other = REGISTERED.to_vec();
        other[12] = 1;
        assert!(!matches_tcp(&tcp(52554, 44818, REGISTER, &other)));
        assert!(!matches_tcp(&tcp(52554, 4481, REGISTER, b"")));
        assert!(!matches_udp(&udp(54586, 44818, IDENTITY, b"")));
        assert!(!matches_tcp(&tcp(
            49270,
            502,
            b"\x00\x01\x00\x00\x00\x06\x01\x03\x00\x01\x00\x04",
            b""
        )));
    }
}

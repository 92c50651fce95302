//! QUIC (RFC 8999 version-independent properties, RFC 9000 §17.2 long
//! header and §14.1 Initial datagram size, RFC 9369 QUIC v2, the IETF
//! drafts 0xff0000xx, Google QUIC Q046/Q050/T05x long headers and the older
//! gQUIC public header with its version at byte 9).
//!
//! A long header packet has the top bit set, a 32-bit version, then
//! length-prefixed destination and source connection ids of at most 20
//! bytes each (RFC 8999 §5.1). The version must be a known one: 1, v2
//! (0x6b3343cf), a draft, Facebook's mvfst (0xfaceb00x), Google's
//! `Q0xx`/`T0xx`, or 0 (Version Negotiation, from the server). A client's
//! v1/v2/draft Initial travels in a datagram of at least 1200 bytes. The
//! older gQUIC public header (flags with the version bit 0x01 and the
//! connection-id bit 0x08) carries `Q0xx` after an 8-byte connection id.
//!
//! Short header packets carry no version; a flow joined after the
//! handshake is named by a weak rule (`mid_flow`): UDP port 443 with both
//! first bytes shaped as QUIC short headers, at libprotoident's "weak
//! guess" priority.

use crate::{Verdict, QUIC, QUIC_MIDFLOW};
use flowsieve_sdk::prelude::*;

pub(crate) fn leads() -> Vec<Lead> {
    let m5 = [0x80, 0xff, 0xff, 0xff, 0xff];
    let m4 = [0x80, 0xff, 0xff, 0xff];
    let mut v = vec![
        either(&[0x80, 0, 0, 0, 1]).masked(&m5),
        either(&[0x80, 0x6b, 0x33, 0x43, 0xcf]).masked(&m5),
        either(&[0x80, 0xff, 0, 0]).masked(&m4),
        either(&[0x80, 0xfa, 0xce, 0xb0]).masked(&m4),
        either(&[0x80, b'Q', b'0']).masked(&[0x80, 0xff, 0xff]),
        either(&[0x80, b'T', b'0']).masked(&[0x80, 0xff, 0xff]),
        server(&[0x80, 0, 0, 0, 0]).masked(&m5),
    ];
    // gQUIC public header: flags (version and 8-byte connection id), the
    // connection id, then the version.
    v.push(
        either(&[0x09, 0, 0, 0, 0, 0, 0, 0, 0, b'Q', b'0'])
            .masked(&[0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]),
    );
    v
}

#[derive(Clone, Copy, PartialEq)]
enum Version {
    Ietf(u32),
    Google,
    Negotiation,
}

fn version(v: u32) -> Option<Version> {
    let b = v.to_be_bytes();
    match v {
        0 => Some(Version::Negotiation),
        1 | 0x6b33_43cf => Some(Version::Ietf(v)),
        0xff00_0001..=0xff00_0022 | 0xface_b001..=0xface_b00f => Some(Version::Ietf(v)),
        _ if (b[0] == b'Q' || b[0] == b'T')
            && b[1] == b'0'
            && b[2..].iter().all(u8::is_ascii_digit) =>
        {
            Some(Version::Google)
        }
        _ => None,
    }
}

/// A long header packet, or an old gQUIC packet with its version, at the
/// start of one direction's first datagram. `from_client` adds the
/// Initial size check.
fn long_header(side: &Side, from_client: bool) -> bool {
    let p = &side.prefix;
    let Some(&first) = p.first() else {
        return false;
    };
    if first & 0x80 == 0 {
        // gQUIC public header (Q043 and before).
        return first & 0x09 == 0x09
            && first & 0x40 == 0
            && p.get(9) == Some(&b'Q')
            && be_u32(p, 9).and_then(version) == Some(Version::Google);
    }
    let Some(v) = be_u32(p, 1).and_then(version) else {
        return false;
    };
    if v == Version::Google {
        // Q046 packs both connection id lengths in one byte; Q050+ and
        // T05x follow the invariants.
        return true;
    }
    let Some(&dcil) = p.get(5) else { return true };
    if dcil > 20 {
        return false;
    }
    if let Some(&scil) = p.get(6 + usize::from(dcil)) {
        if scil > 20 {
            return false;
        }
    }
    match v {
        Version::Negotiation => !from_client,
        Version::Ietf(ver) => {
            // Initial: type 0 (type 1 in v2).
            let kind = (first >> 4) & 3;
            let initial = if ver == 0x6b33_43cf {
                kind == 1
            } else {
                kind == 0
            };
            first & 0x40 != 0 && (!from_client || !initial || side.first_payload_len >= 1200)
        }
        Version::Google => true,
    }
}

pub(crate) fn classify(flow: &FlowView) -> Verdict {
    if long_header(&flow.client, true) || long_header(&flow.server, false) {
        Verdict::Yes(QUIC)
    } else {
        Verdict::No
    }
}

/// Short header shapes of one family in both directions: IETF (fixed bit
/// set, long bit clear), or gQUIC public headers without version (the
/// client's with its connection id). DTLS records (version 0xfeXX) and STUN
/// messages (magic cookie) are not QUIC; neither is a mixed pair such as
/// OpenVPN's hard resets (0x38 then 0x40).
fn short_headers(c: &[u8], s: &[u8]) -> bool {
    let other = |p: &[u8]| p.get(1) == Some(&0xfe) || be_u32(p, 4) == Some(0x2112_a442);
    let (Some(&cb), Some(&sb)) = (c.first(), s.first()) else {
        return false;
    };
    if other(c) || other(s) || c.len() < 9 || s.len() < 9 {
        return false;
    }
    let ietf = cb & 0xc0 == 0x40 && sb & 0xc0 == 0x40;
    let gquic = cb & 0xc9 == 0x08 && sb & 0xc1 == 0;
    ietf || gquic
}

pub(crate) fn mid_flow(flow: &FlowView) -> Verdict {
    if flow.port_in(&[443]) && short_headers(&flow.client.prefix, &flow.server.prefix) {
        Verdict::Yes(QUIC_MIDFLOW)
    } else {
        Verdict::No
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_sdk::testing::udp;

    fn flow(c: &[u8], clen: u32, s: &[u8], slen: u32) -> FlowView {
        let mut f = udp(36588, 443, c, s);
        f.client.first_payload_len = clen;
        f.server.first_payload_len = slen;
        f
    }

    // quic-29.pcap, 10.9.0.1:36588 <-> 10.9.0.2:443: draft-29 Initial
    // (1252 bytes) and the server's Initial.
    const D29_C: &[u8] =
        b"\xc2\xff\x00\x00\x1d\x12\xf3n\x07\xbf\x0bp\x88\xef(\xc7\x1dH\x8a\xca\xaf\xf3\x9f\xfc";
    const D29_S: &[u8] =
        b"\xf0\xff\x00\x00\x1d\x11C\x94N\xda\x18\xbe\xb7\xe5H\xb3\x8d7[\xf3\xc2\xa3\xbc\x12";
    // quic-v2.pcapng, [::1]:42086 <-> [::1]:4443: QUIC v2 (1232 bytes).
    const V2_C: &[u8] = b"\xd6k3C\xcf\x08\x07&'&B\xfc.\xb2\x08\x11\xff\xfd\xeaE$\"\xb82";
    // quic.pcap, 10.0.0.4:40134 -> 10.0.0.3:6121: gQUIC Q033 public header.
    const Q033: &[u8] =
        b"\x09\xfa\xde\xb0\xe5W\xe6\x92\xa0Q033\x01\xda\x93\xcc\xec\xa7}\x08\xf6\xae\xbd";
    // quic_t51.pcap, 187.227.136.152:55356 -> :443: Google T051.
    const T051: &[u8] = b"\xc1T051\x08\xff\x94\x15\xb5\xb0\x05\x86\r\x00\x00E4\x95\xcdlx\xab(";
    // quic_0RTT.pcap, 192.168.2.100:51972 <-> 142.250.181.227:443: a v1
    // 0-RTT packet (77 bytes) and the server's Initial.
    const ZERO_RTT: &[u8] = b"\xdc\x00\x00\x00\x01\x08e\xb9\xee#\xb3sD\xd6\x00@<:\x112`&\xd9\xda";
    const V1_S: &[u8] =
        b"\xcf\x00\x00\x00\x01\x00\x08e\xb9\xee#\xb3sD\xd6\x00C\xb6\x9b\x8c^\xce\x9f0";
    // quic.pcap, 192.168.1.105:40461 <-> 172.217.16.3:443: joined after
    // the handshake (gQUIC without version both ways).
    const MID_C: &[u8] = b"\x0c\xa36\xac\xa5\xc0\x11\xde\xf0\"\xdd\xea\n\xaef\xdd6\xaf\xa4\x0b";
    const MID_S: &[u8] = b"\x007v;j\x01d\xbf\xa9U\xd3\xfb\xb7;\xda\xf9\xf1\xeff\x19";

    #[test]
    fn long_headers() {
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify,
            &flow(D29_C, 1252, D29_S, 117),
            QUIC,
        );
        flowsieve_sdk::testing::assert_yes::<crate::Web>(classify, &flow(V2_C, 1232, b"", 0), QUIC);
        flowsieve_sdk::testing::assert_yes::<crate::Web>(classify, &flow(Q033, 1350, b"", 0), QUIC);
        flowsieve_sdk::testing::assert_yes::<crate::Web>(classify, &flow(T051, 1350, b"", 0), QUIC);
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            classify,
            &flow(ZERO_RTT, 77, V1_S, 1250),
            QUIC,
        );
    }

    #[test]
    fn mid_flow_on_443() {
        flowsieve_sdk::testing::assert_yes::<crate::Web>(
            mid_flow,
            &flow(MID_C, 120, MID_S, 81),
            QUIC_MIDFLOW,
        );
        let mut f = flow(MID_C, 120, MID_S, 81);
        f.server_port = 8443;
        assert_eq!(mid_flow(&f), Verdict::No);
    }

    #[test]
    fn not_quic() {
        // A draft-29 Initial in a 1000-byte datagram (too small); an
        // unknown version; a DTLS ClientHello (dtls_certificate_fragments.pcap);
        // twice (on port 443, for the weak rule).
        assert_eq!(classify(&flow(D29_C, 1000, b"", 0)), Verdict::No);
        let mut v = D29_C.to_vec();
        v[1] = 0x1a;
        assert_eq!(classify(&flow(&v, 1252, b"", 0)), Verdict::No);
        let dtls = b"\x16\xfe\xff\x00\x00\x00\x00\x00\x00\x00\x00\x01+\x01\x00\x01\x1f\x00\x00\x00";
        let dtls_s =
            b"\x16\xfe\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00#\x03\x00\x00\x17\x00\x00\x00";
        assert_eq!(classify(&flow(dtls, 312, dtls_s, 48)), Verdict::No);
        assert_eq!(mid_flow(&flow(dtls, 312, dtls_s, 48)), Verdict::No);
        // openvpn.pcap, 192.168.12.156:41133 <-> 107.161.86.131:443: OpenVPN
        // hard resets on UDP 443.
        let reset_c = b"8\x97SV\x89$\x84/{\xa6E\x1d\x00\xb2\x04T";
        let reset_s = b"@&\x12Y>\xe3\xbb'z\xd1\xf1J\xfd\x85\xcc\x02";
        assert_eq!(mid_flow(&flow(reset_c, 86, reset_s, 98)), Verdict::No);
    }
}

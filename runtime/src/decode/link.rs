//! Link layers libpcap hands us, down to an EtherType and the network-layer bytes.

use etherparse::{EtherType, Ethernet2Slice, SingleVlanSlice};

use super::DecodeError;

/// The pseudo EtherType GRE uses for bridged Ethernet frames.
pub const TRANSPARENT_ETHERNET: EtherType = EtherType(0x6558);

const VLAN_TAGS: [EtherType; 3] = [EtherType(0x8100), EtherType(0x88a8), EtherType(0x9100)];
const MPLS_UNICAST: EtherType = EtherType(0x8847);
const MPLS_MULTICAST: EtherType = EtherType(0x8848);
const PPPOE_SESSION: EtherType = EtherType(0x8864);

/// Link types we decode (libpcap DLT values in [`LinkType::from_dlt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    Ethernet,
    LinuxSll,
    LinuxSll2,
    /// Raw IP, version taken from the first nibble.
    RawIp,
    /// BSD loopback: 4-byte address family, host byte order.
    Null,
    /// OpenBSD loopback: 4-byte address family, network byte order.
    Loop,
    /// PPP, optionally with the HDLC address/control bytes.
    Ppp,
    /// Cisco HDLC.
    CiscoHdlc,
    /// Linux netfilter NFLOG: TLVs, one of which holds the IP packet.
    Nflog,
}

impl LinkType {
    pub fn from_dlt(dlt: i32) -> Option<LinkType> {
        Some(match dlt {
            1 => LinkType::Ethernet,
            113 => LinkType::LinuxSll,
            276 => LinkType::LinuxSll2,
            12 | 14 | 101 | 228 | 229 => LinkType::RawIp,
            0 => LinkType::Null,
            108 => LinkType::Loop,
            9 | 50 | 166 => LinkType::Ppp,
            104 => LinkType::CiscoHdlc,
            239 => LinkType::Nflog,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            LinkType::Ethernet => "Ethernet",
            LinkType::LinuxSll => "Linux SLL",
            LinkType::LinuxSll2 => "Linux SLL2",
            LinkType::RawIp => "raw IP",
            LinkType::Null => "BSD loopback",
            LinkType::Loop => "OpenBSD loopback",
            LinkType::Ppp => "PPP",
            LinkType::CiscoHdlc => "Cisco HDLC",
            LinkType::Nflog => "NFLOG",
        }
    }
}

/// Strips the link layer (and VLAN, MPLS, PPPoE) from `frame`.
pub fn strip(link: LinkType, frame: &[u8]) -> Result<(EtherType, &[u8]), DecodeError> {
    match link {
        LinkType::Ethernet => {
            let eth = Ethernet2Slice::from_slice_without_fcs(frame)
                .map_err(|_| DecodeError::TruncatedLink)?;
            ether_payload(eth.ether_type(), eth.payload_slice())
        }
        LinkType::LinuxSll => {
            // SLL: packet type (2), arphrd (2), addr len (2), addr (8), protocol (2): 16 bytes.
            // Read by hand: for loopback and tunnel devices etherparse reads the protocol as
            // something other than an EtherType, but Linux writes the EtherType there.
            let rest = frame.get(16..).ok_or(DecodeError::TruncatedLink)?;
            ether_payload(EtherType(be16(frame, 14)?), rest)
        }
        LinkType::LinuxSll2 => {
            // SLL2: protocol (2), reserved (2), ifindex (4), arphrd (2), pkttype (1),
            // addr len (1), addr (8): 20 bytes.
            let rest = frame.get(20..).ok_or(DecodeError::TruncatedLink)?;
            ether_payload(EtherType(be16(frame, 0)?), rest)
        }
        LinkType::RawIp => Ok((ip_version_type(frame)?, frame)),
        LinkType::Null | LinkType::Loop => {
            let fam_bytes: [u8; 4] = frame
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .ok_or(DecodeError::TruncatedLink)?;
            let family = if link == LinkType::Loop {
                u32::from_be_bytes(fam_bytes)
            } else if u32::from_le_bytes(fam_bytes) < 0x100 {
                // Written in the capturing host's byte order; small values tell which.
                u32::from_le_bytes(fam_bytes)
            } else {
                u32::from_be_bytes(fam_bytes)
            };
            let rest = &frame[4..];
            match family {
                2 => Ok((EtherType::IPV4, rest)),
                // AF_INET6 differs per OS: Linux 10, BSDs 24, FreeBSD 28, macOS 30.
                10 | 24 | 28 | 30 => Ok((EtherType::IPV6, rest)),
                _ => Err(DecodeError::NotIp),
            }
        }
        LinkType::Ppp => match frame {
            // PPP_SERIAL captures may hold Cisco HDLC frames (RFC 1547 framing).
            [0x0f | 0x8f, 0x00, ..] => strip(LinkType::CiscoHdlc, frame),
            _ => ppp_payload(frame),
        },
        LinkType::CiscoHdlc => {
            let rest = frame.get(4..).ok_or(DecodeError::TruncatedLink)?;
            ether_payload(EtherType(be16(frame, 2)?), rest)
        }
        LinkType::Nflog => nflog_payload(frame),
    }
}

/// NFLOG: a 4-byte header (address family first), then TLVs with little-endian length
/// (including the 4-byte TLV header, padded to 4) and type; type 9 holds the packet.
fn nflog_payload(frame: &[u8]) -> Result<(EtherType, &[u8]), DecodeError> {
    let family = *frame.first().ok_or(DecodeError::TruncatedLink)?;
    let mut off = 4usize;
    while let Some(tlv) = frame.get(off..off + 4) {
        let len = u16::from_le_bytes([tlv[0], tlv[1]]) as usize;
        let kind = u16::from_le_bytes([tlv[2], tlv[3]]);
        if len < 4 {
            return Err(DecodeError::TruncatedLink);
        }
        if kind == 9 {
            let payload = frame
                .get(off + 4..off + len)
                .ok_or(DecodeError::TruncatedLink)?;
            return match family {
                2 => Ok((EtherType::IPV4, payload)),
                10 => Ok((EtherType::IPV6, payload)),
                _ => Ok((ip_version_type(payload)?, payload)),
            };
        }
        off += (len + 3) & !3;
    }
    Err(DecodeError::NotIp)
}

/// Follows VLAN tags, MPLS labels and PPPoE sessions after an EtherType.
fn ether_payload(mut t: EtherType, mut data: &[u8]) -> Result<(EtherType, &[u8]), DecodeError> {
    // Bounded: a frame of nothing but tags ends when the bytes do, but cap it anyway.
    for _ in 0..16 {
        if VLAN_TAGS.contains(&t) {
            let vlan = SingleVlanSlice::from_slice(data).map_err(|_| DecodeError::TruncatedLink)?;
            t = vlan.ether_type();
            data = vlan.payload_slice();
        } else if t == MPLS_UNICAST || t == MPLS_MULTICAST {
            // Labels until the bottom-of-stack bit; then guess IPv4/IPv6 by the version.
            loop {
                let label = data.get(..4).ok_or(DecodeError::TruncatedLink)?;
                data = &data[4..];
                if label[2] & 0x01 != 0 {
                    break;
                }
            }
            return Ok((ip_version_type(data)?, data));
        } else if t == PPPOE_SESSION {
            // PPPoE header (6) then the PPP protocol field.
            let body = data.get(6..).ok_or(DecodeError::TruncatedLink)?;
            return ppp_payload(body);
        } else {
            return Ok((t, data));
        }
    }
    Err(DecodeError::TruncatedLink)
}

/// A PPP frame: optional address/control bytes (ff 03), then a protocol field of one byte
/// (compressed, RFC 1661 PFC: odd first byte) or two.
fn ppp_payload(frame: &[u8]) -> Result<(EtherType, &[u8]), DecodeError> {
    let body = match frame {
        [0xff, 0x03, rest @ ..] => rest,
        _ => frame,
    };
    let first = *body.first().ok_or(DecodeError::TruncatedLink)?;
    let (proto, rest) = if first & 1 == 1 {
        (first as u16, &body[1..])
    } else {
        (be16(body, 0)?, &body[2..])
    };
    match proto {
        0x0021 => Ok((EtherType::IPV4, rest)),
        0x0057 => Ok((EtherType::IPV6, rest)),
        _ => Err(DecodeError::NotIp),
    }
}

fn ip_version_type(data: &[u8]) -> Result<EtherType, DecodeError> {
    match data.first().map(|b| b >> 4) {
        Some(4) => Ok(EtherType::IPV4),
        Some(6) => Ok(EtherType::IPV6),
        Some(_) => Err(DecodeError::BadIpHeader),
        None => Err(DecodeError::TruncatedLink),
    }
}

/// The EtherType and payload inside a GRE header: version 0 (RFC 2784/2890) carrying IP
/// or Ethernet, and version 1 (PPTP's enhanced GRE, RFC 2637) carrying PPP.
pub fn gre_inner(data: &[u8]) -> Option<(EtherType, &[u8])> {
    let flags = be16(data, 0).ok()?;
    let t = EtherType(be16(data, 2).ok()?);
    match flags & 0x0007 {
        0 => {
            let mut off = 4;
            for bit in [0x8000u16, 0x2000, 0x1000] {
                // checksum(+reserved), key, sequence number: 4 bytes each when present
                if flags & bit != 0 {
                    off += 4;
                }
            }
            let inner = data.get(off..)?;
            match t {
                EtherType::IPV4 | EtherType::IPV6 | TRANSPARENT_ETHERNET => Some((t, inner)),
                _ => None,
            }
        }
        1 if t == EtherType(0x880b) => {
            // Key (payload length + call id) always, then sequence and ack numbers if flagged.
            let mut off = 8;
            if flags & 0x1000 != 0 {
                off += 4;
            }
            if flags & 0x0080 != 0 {
                off += 4;
            }
            let ppp = data.get(off..)?;
            if ppp.is_empty() {
                return None; // an ack-only packet carries no payload
            }
            ppp_payload(ppp).ok()
        }
        _ => None,
    }
}

fn be16(data: &[u8], at: usize) -> Result<u16, DecodeError> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or(DecodeError::TruncatedLink)
}

const VXLAN_PORT: u16 = 4789;
const GTP_U_PORT: u16 = 2152;
const GENEVE_PORT: u16 = 6081;

/// The packet inside a UDP tunnel on its IANA port: VXLAN (RFC 7348) and Geneve (RFC 8926)
/// carry Ethernet, GTP-U (3GPP TS 29.281) carries IP.
pub fn udp_tunnel_inner(sport: u16, dport: u16, data: &[u8]) -> Option<(EtherType, &[u8])> {
    let on = |p: u16| sport == p || dport == p;
    if on(VXLAN_PORT) {
        // flags (I bit 0x08 = VNI valid), 3 reserved, VNI (3), reserved: 8 bytes.
        let h = data.get(..8)?;
        return (h[0] & 0x08 != 0).then(|| (TRANSPARENT_ETHERNET, &data[8..]));
    }
    if on(GENEVE_PORT) {
        let h = data.get(..8)?;
        if h[0] >> 6 != 0 {
            return None;
        }
        let opts = (h[0] & 0x3f) as usize * 4;
        let t = EtherType(u16::from_be_bytes([h[2], h[3]]));
        let inner = data.get(8 + opts..)?;
        return matches!(t, EtherType::IPV4 | EtherType::IPV6 | TRANSPARENT_ETHERNET)
            .then_some((t, inner));
    }
    if on(GTP_U_PORT) {
        return gtp_u_inner(data);
    }
    None
}

/// GTP-U version 1 G-PDU: 8-byte header, 4 more when any of E/S/PN is set, then extension
/// headers (length in 4-byte units, last byte = next type) until type 0; then IP.
fn gtp_u_inner(data: &[u8]) -> Option<(EtherType, &[u8])> {
    let h = data.get(..8)?;
    if h[0] >> 5 != 1 || h[0] & 0x10 == 0 || h[1] != 0xff {
        return None; // not version 1, not GTP (PT=0), or not a G-PDU (signalling)
    }
    let mut off = 8;
    if h[0] & 0x07 != 0 {
        let next_ext = *data.get(off + 3)?;
        off += 4;
        let mut next = next_ext;
        for _ in 0..8 {
            if next == 0 {
                break;
            }
            let len = *data.get(off)? as usize * 4;
            if len == 0 {
                return None;
            }
            next = *data.get(off + len - 1)?;
            off += len;
        }
        if next != 0 {
            return None;
        }
    }
    let inner = data.get(off..)?;
    Some((ip_version_type(inner).ok()?, inner))
}

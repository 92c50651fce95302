//! Link layers libpcap hands us, down to an EtherType and the network-layer bytes.

use etherparse::{EtherType, Ethernet2Slice, LinuxSllProtocolType, LinuxSllSlice, SingleVlanSlice};

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
            let sll = LinuxSllSlice::from_slice(frame).map_err(|_| DecodeError::TruncatedLink)?;
            match sll.protocol_type() {
                LinuxSllProtocolType::EtherType(t) => ether_payload(t, sll.payload_slice()),
                _ => Err(DecodeError::NotIp),
            }
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
        LinkType::Ppp => {
            let body = match frame {
                [0xff, 0x03, rest @ ..] => rest,
                _ => frame,
            };
            ppp_payload(body)
        }
        LinkType::CiscoHdlc => {
            let rest = frame.get(4..).ok_or(DecodeError::TruncatedLink)?;
            ether_payload(EtherType(be16(frame, 2)?), rest)
        }
    }
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

fn ppp_payload(body: &[u8]) -> Result<(EtherType, &[u8]), DecodeError> {
    let proto = be16(body, 0)?;
    let rest = &body[2..];
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

/// The EtherType and payload inside a GRE header (RFC 2784/2890), version 0 only.
pub fn gre_inner(data: &[u8]) -> Option<(EtherType, &[u8])> {
    let flags = be16(data, 0).ok()?;
    if flags & 0x0007 != 0 {
        return None; // version 1 is PPTP's enhanced GRE: leave it as a GRE flow
    }
    let mut off = 4;
    for bit in [0x8000u16, 0x2000, 0x1000] {
        // checksum(+reserved), key, sequence number: 4 bytes each when present
        if flags & bit != 0 {
            off += 4;
        }
    }
    let t = EtherType(be16(data, 2).ok()?);
    let inner = data.get(off..)?;
    match t {
        EtherType::IPV4 | EtherType::IPV6 | TRANSPARENT_ETHERNET => Some((t, inner)),
        _ => None,
    }
}

fn be16(data: &[u8], at: usize) -> Result<u16, DecodeError> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or(DecodeError::TruncatedLink)
}

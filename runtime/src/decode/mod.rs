//! Packet decoding: link layer, IP (with tunnels and fragments) and the transport fields a
//! flow needs. Nothing here allocates per packet or panics on any input; a packet that does
//! not decode is reported with a [`DecodeError`] reason and counted by the caller.

mod error;
mod fragments;
mod link;
mod transport;

pub use error::{DecodeError, DecodeErrorCounts};
pub use link::LinkType;

use std::net::IpAddr;

use etherparse::{EtherType, LaxIpSlice};

use crate::flow::key::{FlowKey, IpProto};
use fragments::FragmentTracker;

/// TCP header fields a flow needs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TcpFields {
    pub flags: u8,
    pub seq: u32,
    pub ack: u32,
}

impl TcpFields {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const ACK: u8 = 0x10;

    pub fn syn(&self) -> bool {
        self.flags & Self::SYN != 0
    }
    pub fn fin(&self) -> bool {
        self.flags & Self::FIN != 0
    }
    pub fn rst(&self) -> bool {
        self.flags & Self::RST != 0
    }
    pub fn ack_flag(&self) -> bool {
        self.flags & Self::ACK != 0
    }
}

/// One decoded packet: its flow key, direction within the key, and what the flow counts.
#[derive(Debug, Clone, Copy)]
pub struct Decoded<'a> {
    pub key: FlowKey,
    /// True when the packet was sent by the key's `a` endpoint.
    pub from_a: bool,
    /// Present for TCP packets that carry a TCP header (not for non-first fragments).
    pub tcp: Option<TcpFields>,
    /// L4 payload bytes as the headers declare them (snaplen truncation does not shrink it).
    pub payload_len: u32,
    /// The captured part of the L4 payload (may be shorter than `payload_len`).
    pub payload: &'a [u8],
}

/// Largest tunnel nesting followed; deeper packets are reported, not decoded.
const MAX_TUNNEL_DEPTH: u8 = 4;

/// Stateful decoder (it remembers first fragments so later fragments reach their flow).
pub struct Decoder {
    link: LinkType,
    decode_tunnels: bool,
    fragments: FragmentTracker,
}

impl Decoder {
    pub fn new(link: LinkType, decode_tunnels: bool) -> Decoder {
        Decoder {
            link,
            decode_tunnels,
            fragments: FragmentTracker::new(),
        }
    }

    pub fn link_type(&self) -> LinkType {
        self.link
    }

    /// Decodes one captured frame taken at `ts_us` (used to age the fragment table).
    pub fn decode<'a>(&mut self, ts_us: i64, frame: &'a [u8]) -> Result<Decoded<'a>, DecodeError> {
        let (ether_type, net) = link::strip(self.link, frame)?;
        self.network(ts_us, ether_type, net, 0)
    }

    fn network<'a>(
        &mut self,
        ts_us: i64,
        ether_type: EtherType,
        data: &'a [u8],
        depth: u8,
    ) -> Result<Decoded<'a>, DecodeError> {
        match ether_type {
            EtherType::IPV4 | EtherType::IPV6 => self.ip(ts_us, data, depth),
            _ => Err(DecodeError::NotIp),
        }
    }

    fn ip<'a>(
        &mut self,
        ts_us: i64,
        data: &'a [u8],
        depth: u8,
    ) -> Result<Decoded<'a>, DecodeError> {
        let (ip, _ext_err) = LaxIpSlice::from_slice(data).map_err(|_| DecodeError::BadIpHeader)?;
        let src = ip.source_addr();
        let dst = ip.destination_addr();
        let payload = ip.payload();
        let proto = payload.ip_number.0;
        let declared = declared_ip_payload_len(&ip, data.len());

        // Tunnels: the inner packet is the flow.
        if self.decode_tunnels && !payload.fragmented {
            let inner = match proto {
                4 => Some((EtherType::IPV4, payload.payload)),
                41 => Some((EtherType::IPV6, payload.payload)),
                47 => link::gre_inner(payload.payload),
                _ => None,
            };
            if let Some((inner_type, inner)) = inner {
                if depth >= MAX_TUNNEL_DEPTH {
                    return Err(DecodeError::TunnelTooDeep);
                }
                return match inner_type {
                    link::TRANSPARENT_ETHERNET => {
                        let (t, net) = link::strip(LinkType::Ethernet, inner)?;
                        self.network(ts_us, t, net, depth + 1)
                    }
                    t => self.network(ts_us, t, inner, depth + 1),
                };
            }
        }

        let frag = fragments::info(&ip);
        if let Some(f) = frag.filter(|f| f.offset != 0) {
            // A later fragment: no transport header; attribute it to the flow of its first
            // fragment when that one was seen.
            let ports = self
                .fragments
                .lookup(&f, src, dst, proto, ts_us)
                .ok_or(DecodeError::FragmentWithoutFirst)?;
            let (key, from_a) = FlowKey::new(src, dst, ports.0, ports.1, IpProto(proto));
            return Ok(Decoded {
                key,
                from_a,
                tcp: None,
                payload_len: declared,
                payload: &[],
            });
        }

        let t = transport::parse(proto, payload.payload, declared)?;
        if let Some(f) = frag {
            self.fragments
                .remember(&f, src, dst, proto, (t.src_port, t.dst_port), ts_us);
        }
        let (key, from_a) = FlowKey::new(src, dst, t.src_port, t.dst_port, IpProto(proto));
        Ok(Decoded {
            key,
            from_a,
            tcp: t.tcp,
            payload_len: t.payload_len,
            payload: t.payload,
        })
    }
}

/// The IP payload length the header declares: what was sent, whatever the capture kept.
/// Falls back to the captured length where the header says 0 (TSO, jumbograms).
fn declared_ip_payload_len(ip: &LaxIpSlice<'_>, captured: usize) -> u32 {
    match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            let total = h.total_len() as usize;
            let hlen = h.ihl() as usize * 4 + v4.extensions().auth.map_or(0, |a| a.slice().len());
            let total = if total == 0 { captured } else { total };
            total.saturating_sub(hlen) as u32
        }
        LaxIpSlice::Ipv6(v6) => {
            let plen = v6.header().payload_length() as usize;
            let ext = v6.extensions().slice().len();
            let plen = if plen == 0 {
                captured.saturating_sub(40)
            } else {
                plen
            };
            plen.saturating_sub(ext) as u32
        }
    }
}

/// Address helper for tests and records.
pub fn addr_to_bytes(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

#[cfg(test)]
mod tests;

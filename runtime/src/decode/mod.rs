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
    /// `wire_len` is the frame's length on the wire: no header can claim more than that
    /// (a bogus IP length must not inflate the byte counts; tshark bounds it the same way).
    pub fn decode<'a>(
        &mut self,
        ts_us: i64,
        frame: &'a [u8],
        wire_len: u32,
    ) -> Result<Decoded<'a>, DecodeError> {
        let (ether_type, net) = link::strip(self.link, frame)?;
        let limit = (wire_len as usize)
            .max(frame.len())
            .saturating_sub(offset_of(frame, net));
        self.network(ts_us, ether_type, net, 0, limit)
    }

    /// `limit`: the most bytes this packet can span on the wire (inside a tunnel, what the
    /// outer packet declares it carries), so a bogus inner length cannot inflate counts.
    fn network<'a>(
        &mut self,
        ts_us: i64,
        ether_type: EtherType,
        data: &'a [u8],
        depth: u8,
        limit: usize,
    ) -> Result<Decoded<'a>, DecodeError> {
        match ether_type {
            EtherType::IPV4 | EtherType::IPV6 => self.ip(ts_us, data, depth, limit),
            _ => Err(DecodeError::NotIp),
        }
    }

    fn ip<'a>(
        &mut self,
        ts_us: i64,
        data: &'a [u8],
        depth: u8,
        limit: usize,
    ) -> Result<Decoded<'a>, DecodeError> {
        let (ip, _ext_err) = LaxIpSlice::from_slice(data).map_err(|_| DecodeError::BadIpHeader)?;
        let src = ip.source_addr();
        let dst = ip.destination_addr();
        let payload = ip.payload();
        let proto = payload.ip_number.0;
        let header_len = offset_of(data, payload.payload);
        let declared = declared_ip_payload_len(&ip, data.len())
            .min(limit.saturating_sub(header_len).min(u32::MAX as usize) as u32);

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
                let inner_limit =
                    (declared as usize).saturating_sub(offset_of(payload.payload, inner));
                return self.inner(ts_us, inner_type, inner, depth + 1, inner_limit);
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
        if self.decode_tunnels && frag.is_none() && proto == 17 {
            if let Some((inner_type, inner)) =
                link::udp_tunnel_inner(t.src_port, t.dst_port, t.payload)
            {
                if depth >= MAX_TUNNEL_DEPTH {
                    return Err(DecodeError::TunnelTooDeep);
                }
                // A tunnel packet that does not hold a decodable inner packet (GTP-U
                // signalling, a cut capture) stays the outer UDP flow.
                let inner_limit =
                    (t.payload_len as usize).saturating_sub(offset_of(t.payload, inner));
                if let Ok(d) = self.inner(ts_us, inner_type, inner, depth + 1, inner_limit) {
                    return Ok(d);
                }
            }
        }
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

impl Decoder {
    /// The packet inside a tunnel: IP, or Ethernet for bridging tunnels.
    fn inner<'a>(
        &mut self,
        ts_us: i64,
        inner_type: EtherType,
        inner: &'a [u8],
        depth: u8,
        limit: usize,
    ) -> Result<Decoded<'a>, DecodeError> {
        match inner_type {
            link::TRANSPARENT_ETHERNET => {
                let (t, net) = link::strip(LinkType::Ethernet, inner)?;
                let limit = limit.saturating_sub(offset_of(inner, net));
                self.network(ts_us, t, net, depth, limit)
            }
            t => self.network(ts_us, t, inner, depth, limit),
        }
    }
}

/// Where `inner` starts within `outer` (0 if it is not a sub-slice).
fn offset_of(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize)
        .checked_sub(outer.as_ptr() as usize)
        .filter(|o| *o <= outer.len())
        .unwrap_or(0)
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

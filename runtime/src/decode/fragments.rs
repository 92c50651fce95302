//! IP fragments reach their flow: the first fragment carries the ports, later fragments are
//! matched to it by (source, destination, protocol, identification).
//!
//! This counts every fragment's packets and bytes into the right flow without reassembling
//! (which would cost buffers per datagram); the payload of later fragments is not inspected.

use std::net::IpAddr;

use etherparse::LaxIpSlice;
use hashbrown::HashMap;

/// Entries kept at most; a flood of first fragments cannot grow memory past this.
const CAPACITY: usize = 4096;
/// A datagram's fragments arrive within this time (RFC 791 suggests ~15 s upper bound).
const LIFETIME_US: i64 = 30_000_000;

#[derive(Debug, Clone, Copy)]
pub struct FragInfo {
    pub id: u32,
    /// Offset in 8-byte units; 0 for the first fragment.
    pub offset: u16,
}

/// Fragment identification of a fragmented packet, `None` for whole packets.
pub fn info(ip: &LaxIpSlice<'_>) -> Option<FragInfo> {
    match ip {
        LaxIpSlice::Ipv4(v4) => {
            let h = v4.header();
            let offset = h.fragments_offset().value();
            (h.more_fragments() || offset != 0).then_some(FragInfo {
                id: h.identification() as u32,
                offset,
            })
        }
        LaxIpSlice::Ipv6(v6) => v6
            .payload()
            .fragmented
            .then(|| ipv6_fragment_header(v6.header().slice(), v6.extensions().slice()))
            .flatten(),
    }
}

/// Walks the IPv6 extension chain to the fragment header.
///
/// Done by hand on purpose: etherparse 0.21's extension iterator reads past the end of a
/// laxly parsed, truncated chain (tcpdump's `ipv6hdr-heapoverflow.pcap` trips its
/// debug-mode unsafe precondition check), so we only use the bytes it validated.
fn ipv6_fragment_header(fixed: &[u8], ext: &[u8]) -> Option<FragInfo> {
    let mut next = *fixed.get(6)?;
    let mut off = 0usize;
    for _ in 0..8 {
        let h = ext.get(off..off + 8)?;
        let len = match next {
            44 => {
                return Some(FragInfo {
                    id: u32::from_be_bytes([h[4], h[5], h[6], h[7]]),
                    offset: u16::from_be_bytes([h[2], h[3]]) >> 3,
                })
            }
            0 | 43 | 60 | 135 | 139 | 140 => (h[1] as usize + 1) * 8,
            51 => (h[1] as usize + 2) * 4,
            _ => return None,
        };
        next = h[0];
        off += len;
    }
    None
}

#[derive(Hash, PartialEq, Eq)]
struct DatagramKey {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    id: u32,
}

pub struct FragmentTracker {
    ports: HashMap<DatagramKey, ((u16, u16), i64)>,
}

impl FragmentTracker {
    pub fn new() -> Self {
        FragmentTracker {
            ports: HashMap::new(),
        }
    }

    pub fn remember(
        &mut self,
        f: &FragInfo,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        ports: (u16, u16),
        ts: i64,
    ) {
        if self.ports.len() >= CAPACITY {
            self.ports.retain(|_, (_, seen)| ts - *seen < LIFETIME_US);
            if self.ports.len() >= CAPACITY {
                self.ports.clear();
            }
        }
        let key = DatagramKey {
            src,
            dst,
            proto,
            id: f.id,
        };
        self.ports.insert(key, (ports, ts));
    }

    pub fn lookup(
        &mut self,
        f: &FragInfo,
        src: IpAddr,
        dst: IpAddr,
        proto: u8,
        ts: i64,
    ) -> Option<(u16, u16)> {
        let key = DatagramKey {
            src,
            dst,
            proto,
            id: f.id,
        };
        match self.ports.get(&key) {
            Some((ports, seen)) if ts - *seen < LIFETIME_US => Some(*ports),
            _ => None,
        }
    }
}

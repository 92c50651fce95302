//! IP fragments reach their flow: the first fragment carries the ports, later fragments are
//! matched to it by (source, destination, protocol, identification).
//!
//! This counts every fragment's packets and bytes into the right flow without reassembling
//! (which would cost buffers per datagram); the payload of later fragments is not inspected.

use std::net::IpAddr;

use etherparse::{Ipv6ExtensionSlice, LaxIpSlice};
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
        LaxIpSlice::Ipv6(v6) => v6.extensions().clone().into_iter().find_map(|e| match e {
            Ipv6ExtensionSlice::Fragment(f) if f.is_fragmenting_payload() => Some(FragInfo {
                id: f.identification(),
                offset: f.fragment_offset().value(),
            }),
            _ => None,
        }),
    }
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

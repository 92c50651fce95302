//! The symmetric flow key: both directions of a conversation map to the same key.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// IP protocol number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IpProto(pub u8);

impl IpProto {
    pub const ICMP: IpProto = IpProto(1);
    pub const TCP: IpProto = IpProto(6);
    pub const UDP: IpProto = IpProto(17);
    pub const ICMPV6: IpProto = IpProto(58);

    pub fn is_icmp(self) -> bool {
        self == IpProto::ICMP || self == IpProto::ICMPV6
    }

    pub fn name(self) -> &'static str {
        match self.0 {
            1 => "icmp",
            6 => "tcp",
            17 => "udp",
            58 => "icmpv6",
            47 => "gre",
            50 => "esp",
            132 => "sctp",
            _ => "ip",
        }
    }
}

/// One endpoint: address (IPv4 stored v4-mapped) and port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub addr: [u8; 16],
    pub port: u16,
}

impl Endpoint {
    pub fn ip(&self, v6: bool) -> IpAddr {
        if v6 {
            IpAddr::V6(Ipv6Addr::from(self.addr))
        } else {
            let a = &self.addr;
            IpAddr::V4(Ipv4Addr::new(a[12], a[13], a[14], a[15]))
        }
    }
}

/// Canonical 5-tuple: `a` is the lower endpoint, `b` the higher, whatever the packet's
/// direction. Which side opened the flow is recorded in the flow, not in the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub a: Endpoint,
    pub b: Endpoint,
    pub proto: IpProto,
    pub v6: bool,
}

impl FlowKey {
    /// Builds the key of a packet and tells whether its sender is the `a` endpoint.
    pub fn new(
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        proto: IpProto,
    ) -> (FlowKey, bool) {
        let v6 = src.is_ipv6() || dst.is_ipv6();
        let s = Endpoint {
            addr: bytes(src),
            port: sport,
        };
        let d = Endpoint {
            addr: bytes(dst),
            port: dport,
        };
        if s <= d {
            (
                FlowKey {
                    a: s,
                    b: d,
                    proto,
                    v6,
                },
                true,
            )
        } else {
            (
                FlowKey {
                    a: d,
                    b: s,
                    proto,
                    v6,
                },
                false,
            )
        }
    }

    /// A hash that is the same for both directions and independent of the table's seed:
    /// the dispatcher uses it to send both directions to one worker.
    pub fn dispatch_hash(&self) -> u64 {
        // FNV-1a over the canonical bytes, then a final avalanche (splitmix64) so the low
        // bits used for the worker index are well mixed.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes {
                h ^= *b as u64;
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        eat(&self.a.addr);
        eat(&self.a.port.to_be_bytes());
        eat(&self.b.addr);
        eat(&self.b.port.to_be_bytes());
        eat(&[self.proto.0]);
        let mut z = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

fn bytes(a: IpAddr) -> [u8; 16] {
    match a {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_share_a_key_and_hash() {
        let c: IpAddr = "10.0.0.2".parse().unwrap();
        let s: IpAddr = "10.0.0.9".parse().unwrap();
        let (k1, a1) = FlowKey::new(c, s, 50276, 443, IpProto::TCP);
        let (k2, a2) = FlowKey::new(s, c, 443, 50276, IpProto::TCP);
        assert_eq!(k1, k2);
        assert_ne!(a1, a2);
        assert_eq!(k1.dispatch_hash(), k2.dispatch_hash());
        assert_eq!(k1.a.ip(k1.v6), c);
    }

    #[test]
    fn same_address_different_ports() {
        let h: IpAddr = "::1".parse().unwrap();
        let (k1, a1) = FlowKey::new(h, h, 5000, 80, IpProto::TCP);
        let (k2, a2) = FlowKey::new(h, h, 80, 5000, IpProto::TCP);
        assert_eq!(k1, k2);
        assert!(!a1 && a2);
        assert!(k1.v6);
    }
}

//! Minimal dev-only capture harness: read pcap/pcapng (format sniffed from the
//! magic), decode to TCP/UDP (Ethernet, SLL, raw IP, null, PPP; IP-in-IP,
//! 6in4/4in6 and VXLAN tunnels), track flows, and drive the crate's parsers
//! exactly as the pipeline will: StreamPrefix per TCP direction -> TlsParser,
//! and UDP datagrams -> QuicParser / DtlsParser.

#![allow(dead_code)]

pub mod oracle;

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::net::IpAddr;
use std::path::Path;

use etherparse::{NetSlice, SlicedPacket, TransportSlice};
use flowsieve_tls::{
    Direction, DtlsParser, OpenVpnTls, QuicConfig, QuicParser, StreamPrefixConfig, TcpTlsInspector,
    TlsConfig, TlsMetadata,
};
use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};

/// Every frame of a capture with its link type; stops quietly at the first
/// unreadable record (truncated files).
pub fn read_frames(path: &Path) -> Vec<(u32, Vec<u8>)> {
    let mut frames = Vec::new();
    let Ok(mut file) = File::open(path) else {
        return frames;
    };
    let mut magic = [0u8; 4];
    if file.read_exact(&mut magic).is_err() {
        return frames;
    }
    let Ok(file) = File::open(path) else {
        return frames;
    };
    let reader = BufReader::new(file);
    if magic == [0x0a, 0x0d, 0x0d, 0x0a] {
        let Ok(mut r) = PcapNgReader::new(reader) else {
            return frames;
        };
        let mut linktypes: Vec<u32> = Vec::new();
        while let Some(block) = r.next_block() {
            let Ok(block) = block else { break };
            match block {
                Block::InterfaceDescription(idb) => linktypes.push(u32::from(idb.linktype)),
                Block::EnhancedPacket(epb) => {
                    let lt = linktypes
                        .get(epb.interface_id as usize)
                        .copied()
                        .unwrap_or(1);
                    frames.push((lt, epb.data.into_owned()));
                }
                Block::SimplePacket(spb) => {
                    let lt = linktypes.first().copied().unwrap_or(1);
                    frames.push((lt, spb.data.into_owned()));
                }
                Block::Packet(pb) => {
                    let lt = linktypes
                        .get(pb.interface_id as usize)
                        .copied()
                        .unwrap_or(1);
                    frames.push((lt, pb.data.into_owned()));
                }
                _ => {}
            }
        }
    } else {
        let Ok(mut r) = PcapReader::new(reader) else {
            return frames;
        };
        let lt = u32::from(r.header().datalink);
        while let Some(packet) = r.next_packet() {
            let Ok(packet) = packet else { break };
            frames.push((lt, packet.data.into_owned()));
        }
    }
    frames
}

/// A decoded transport segment.
pub struct Segment<'a> {
    pub src: (IpAddr, u16),
    pub dst: (IpAddr, u16),
    pub tcp: Option<TcpInfo>,
    pub payload: &'a [u8],
}

#[derive(Clone, Copy)]
pub struct TcpInfo {
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
}

fn slice(linktype: u32, data: &[u8]) -> Option<SlicedPacket<'_>> {
    match linktype {
        1 => SlicedPacket::from_ethernet(data).ok(),
        // Linux SLL: 16-byte header ending with the protocol; etherparse
        // rejects some ARPHRD types (loopback), so skip it by hand.
        113 => SlicedPacket::from_ip(data.get(16..)?).ok(),
        101 | 12 | 14 | 228 | 229 => SlicedPacket::from_ip(data).ok(),
        // Null / loopback: 4-byte address family header.
        0 | 108 => SlicedPacket::from_ip(data.get(4..)?).ok(),
        // PPP: optional ff 03, then a 2-byte protocol (0x0021 IPv4, 0x0057 IPv6).
        9 | 50 => {
            let rest = if data.starts_with(&[0xff, 0x03]) {
                &data[2..]
            } else {
                data
            };
            SlicedPacket::from_ip(rest.get(2..)?).ok()
        }
        // Linux SLL2: 20-byte header, protocol type first.
        276 => SlicedPacket::from_ip(data.get(20..)?).ok(),
        _ => None,
    }
}

/// Decode one frame down to TCP/UDP, following IP-in-IP and VXLAN tunnels.
pub fn decode(linktype: u32, data: &[u8]) -> Option<Segment<'_>> {
    decode_depth(linktype, data, 0)
}

fn decode_depth(linktype: u32, data: &[u8], depth: u8) -> Option<Segment<'_>> {
    if depth > 3 {
        return None;
    }
    let packet = slice(linktype, data)?;
    let (src, dst, ip_payload) = match packet.net.as_ref()? {
        NetSlice::Ipv4(ip) => (
            IpAddr::V4(ip.header().source_addr()),
            IpAddr::V4(ip.header().destination_addr()),
            ip.payload(),
        ),
        NetSlice::Ipv6(ip) => (
            IpAddr::V6(ip.header().source_addr()),
            IpAddr::V6(ip.header().destination_addr()),
            ip.payload(),
        ),
        _ => return None,
    };
    match ip_payload.ip_number.0 {
        4 | 41 => return decode_depth(101, ip_payload.payload, depth + 1),
        _ => {}
    }
    match packet.transport? {
        TransportSlice::Tcp(tcp) => Some(Segment {
            src: (src, tcp.source_port()),
            dst: (dst, tcp.destination_port()),
            tcp: Some(TcpInfo {
                seq: tcp.sequence_number(),
                syn: tcp.syn(),
                ack: tcp.ack(),
                fin: tcp.fin(),
                rst: tcp.rst(),
            }),
            payload: tcp.payload(),
        }),
        TransportSlice::Udp(udp) => {
            if udp.destination_port() == 4789 && udp.payload().len() > 8 {
                return decode_depth(1, &udp.payload()[8..], depth + 1);
            }
            if udp.destination_port() == 2152 || udp.source_port() == 2152 {
                if let Some(inner) = gtp_u_payload(udp.payload()) {
                    return decode_depth(101, inner, depth + 1);
                }
            }
            Some(Segment {
                src: (src, udp.source_port()),
                dst: (dst, udp.destination_port()),
                tcp: None,
                payload: udp.payload(),
            })
        }
        _ => None,
    }
}

/// The T-PDU of a GTP-U packet (3GPP TS 29.281), skipping optional fields and extension headers.
fn gtp_u_payload(data: &[u8]) -> Option<&[u8]> {
    let flags = *data.first()?;
    if flags >> 5 != 1 || *data.get(1)? != 0xff {
        return None;
    }
    let mut offset = 8;
    if flags & 0x07 != 0 {
        offset = 12;
        let mut next = *data.get(11)?;
        while flags & 0x04 != 0 && next != 0 {
            let len = usize::from(*data.get(offset)?) * 4;
            if len == 0 {
                return None;
            }
            next = *data.get(offset + len - 1)?;
            offset += len;
        }
    }
    data.get(offset..)
}

#[allow(clippy::large_enum_variant)] // test harness: clarity over size
pub enum Inspector {
    Tcp(TcpTlsInspector),
    Quic(QuicParser),
    Dtls(DtlsParser),
    OpenVpn(OpenVpnTls),
    Other,
}

pub struct Flow {
    pub tcp: bool,
    pub client: (IpAddr, u16),
    pub server: (IpAddr, u16),
    pub inspector: Inspector,
    /// Packet number at which is_final() first held, and the metadata then
    /// (to prove that "final" metadata does not change afterwards).
    pub final_at_packet: Option<usize>,
    pub final_snapshot: Option<TlsMetadata>,
    pub packets: usize,
    /// Sequence number of the client's SYN, to tell a retransmitted SYN from port reuse.
    pub client_isn: Option<u32>,
}

impl Flow {
    pub fn metadata(&self) -> Option<&TlsMetadata> {
        match &self.inspector {
            Inspector::Tcp(tcp) if tcp.is_tls() => Some(tcp.metadata()),
            Inspector::Quic(q) if q.is_tls() => Some(q.metadata()),
            Inspector::Dtls(d) if d.is_tls() => Some(d.metadata()),
            Inspector::OpenVpn(o) if o.is_tls() => Some(o.metadata()),
            _ => None,
        }
    }

    pub fn roles_swapped(&self) -> bool {
        match &self.inspector {
            Inspector::Tcp(tcp) => tcp.roles_swapped(),
            Inspector::Dtls(d) => d.roles_swapped(),
            Inspector::OpenVpn(o) => o.roles_swapped(),
            _ => false,
        }
    }

    pub fn is_final(&self) -> bool {
        match &self.inspector {
            Inspector::Tcp(tcp) => tcp.is_final(),
            Inspector::Quic(q) => q.is_final(),
            Inspector::Dtls(d) => d.is_final(),
            Inspector::OpenVpn(o) => o.is_final(),
            Inspector::Other => true,
        }
    }

    pub fn client_str(&self) -> String {
        format!("{}:{}", self.client.0, self.client.1)
    }

    pub fn server_str(&self) -> String {
        format!("{}:{}", self.server.0, self.server.1)
    }
}

type Key = (bool, (IpAddr, u16), (IpAddr, u16));

fn canonical(tcp: bool, a: (IpAddr, u16), b: (IpAddr, u16)) -> Key {
    if a <= b {
        (tcp, a, b)
    } else {
        (tcp, b, a)
    }
}

/// Run a capture through the parsers; flows in order of first packet.
pub fn run_capture(path: &Path, stream: StreamPrefixConfig, tls: TlsConfig) -> Vec<Flow> {
    run_capture_with_roles(path, stream, tls, false)
}

/// As [`run_capture`]; with `reverse_tcp_roles` every TCP flow's client and
/// server are deliberately swapped (to test the parser's role detection).
pub fn run_capture_with_roles(
    path: &Path,
    stream: StreamPrefixConfig,
    tls: TlsConfig,
    reverse_tcp_roles: bool,
) -> Vec<Flow> {
    let mut flows: Vec<Flow> = Vec::new();
    let mut index: HashMap<Key, usize> = HashMap::new();
    for (linktype, frame) in read_frames(path) {
        let Some(seg) = decode(linktype, &frame) else {
            continue;
        };
        let tcp = seg.tcp.is_some();
        let key = canonical(tcp, seg.src, seg.dst);
        let fresh_syn = seg.tcp.is_some_and(|t| t.syn && !t.ack);
        let existing = index.get(&key).copied();
        // A new SYN on a flow that already carried payload starts a new connection (port reuse).
        let reuse = existing.is_some_and(|i| {
            fresh_syn
                && seg.tcp.map(|t| t.seq) != flows[i].client_isn
                && matches!(&flows[i].inspector,
                    Inspector::Tcp(tcp) if !tcp.stream(Direction::ClientToServer).is_empty())
        });
        let i = match existing {
            Some(i) if !reuse => i,
            _ => {
                let (mut client, mut server) = match seg.tcp {
                    // A lone SYN-ACK means the sender is the server.
                    Some(t) if t.syn && t.ack => (seg.dst, seg.src),
                    _ => (seg.src, seg.dst),
                };
                if tcp && reverse_tcp_roles {
                    std::mem::swap(&mut client, &mut server);
                }
                let inspector = if tcp {
                    Inspector::Tcp(TcpTlsInspector::new(stream, tls))
                } else if QuicParser::looks_like_quic_initial(seg.payload) {
                    Inspector::Quic(QuicParser::new(QuicConfig {
                        tls,
                        ..QuicConfig::default()
                    }))
                } else if DtlsParser::looks_like_dtls(seg.payload) {
                    Inspector::Dtls(DtlsParser::new(tls))
                } else if OpenVpnTls::looks_like_openvpn(seg.payload, false) {
                    Inspector::OpenVpn(OpenVpnTls::new(tls, false))
                } else {
                    Inspector::Other
                };
                flows.push(Flow {
                    tcp,
                    client,
                    server,
                    inspector,
                    final_at_packet: None,
                    final_snapshot: None,
                    packets: 0,
                    client_isn: seg.tcp.filter(|t| t.syn && !t.ack).map(|t| t.seq),
                });
                index.insert(key, flows.len() - 1);
                flows.len() - 1
            }
        };
        let flow = &mut flows[i];
        flow.packets += 1;
        let dir = if seg.src == flow.client {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        };
        match &mut flow.inspector {
            Inspector::Tcp(tcp) => {
                let Some(t) = seg.tcp else { continue };
                tcp.on_segment(dir, t.seq, t.syn, t.fin || t.rst, seg.payload);
            }
            Inspector::Quic(q) => q.feed_datagram(dir, seg.payload),
            // A flow may start with other datagrams (e.g. 0-RTT before the Initial).
            inspector @ Inspector::Other
                if dir == Direction::ClientToServer
                    && QuicParser::looks_like_quic_initial(seg.payload) =>
            {
                let mut q = QuicParser::new(QuicConfig {
                    tls,
                    ..QuicConfig::default()
                });
                q.feed_datagram(dir, seg.payload);
                *inspector = Inspector::Quic(q);
            }
            Inspector::Dtls(d) => d.feed_datagram(dir, seg.payload),
            Inspector::OpenVpn(o) => o.feed_datagram(dir, seg.payload),
            Inspector::Other => {}
        }
        if flow.final_at_packet.is_none() && flow.metadata().is_some() && flow.is_final() {
            flow.final_at_packet = Some(flow.packets);
            flow.final_snapshot = flow.metadata().cloned();
        }
    }
    flows
}

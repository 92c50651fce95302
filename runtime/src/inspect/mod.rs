//! Per-flow payload inspection: the in-order stream prefixes the rule packs see, and the
//! TLS / DTLS / QUIC handshake parser that fills the `tls` block.
//!
//! Allocated (boxed) only once a flow carries payload, and dropped as soon as the verdict
//! and the TLS metadata are final, so a SYN flood costs no inspection state and a long
//! flow stops paying for it after its first packets.

use flowsieve_tls::{
    Direction, DtlsParser, OpenVpnTls, QuicConfig, QuicParser, StreamPrefixConfig, TcpTlsInspector,
    TlsConfig, TlsMetadata,
};

use crate::flow::{CLIENT, SERVER};

/// Settings shared by every flow of a worker.
#[derive(Debug, Clone, Copy)]
pub struct InspectConfig {
    pub stream: StreamPrefixConfig,
    pub tls: TlsConfig,
    pub quic: QuicConfig,
    /// Bytes of each direction's stream (TCP) or first datagram (UDP) shown to rule packs.
    pub prefix_bytes: usize,
}

/// What one packet tells the inspector.
pub struct Segment<'a> {
    pub side: usize,
    pub seq: u32,
    pub syn: bool,
    pub fin_or_rst: bool,
    pub payload: &'a [u8],
}

enum Kind {
    Tcp(TcpTlsInspector),
    Quic(QuicParser),
    Dtls(DtlsParser),
    /// TLS inside OpenVPN's control channel, over UDP (over TCP the TCP inspector does it).
    OpenVpn(OpenVpnTls),
    /// A UDP flow with no handshake we parse: only the first datagrams are kept.
    Udp,
}

impl Kind {
    /// The parser for a UDP flow, from a datagram: QUIC, DTLS, OpenVPN, or none.
    fn for_datagram(payload: &[u8], cfg: &InspectConfig) -> Kind {
        if QuicParser::looks_like_quic_initial(payload) {
            Kind::Quic(QuicParser::new(cfg.quic))
        } else if DtlsParser::looks_like_dtls(payload) {
            Kind::Dtls(DtlsParser::new(cfg.tls))
        } else if OpenVpnTls::looks_like_openvpn(payload, false) {
            Kind::OpenVpn(OpenVpnTls::new(cfg.tls, false))
        } else {
            Kind::Udp
        }
    }
}

pub struct Inspection {
    kind: Kind,
    /// UDP: each direction's first datagram (up to `prefix_bytes`).
    datagram: [Vec<u8>; 2],
    /// The TLS parser's client is our server: its directions are reversed.
    swapped: bool,
}

impl Inspection {
    /// Starts inspecting a flow at its first payload packet.
    pub fn new(tcp: bool, first_payload: &[u8], cfg: &InspectConfig) -> Inspection {
        let kind = if tcp {
            Kind::Tcp(TcpTlsInspector::new(cfg.stream, cfg.tls))
        } else if QuicParser::looks_like_quic_initial(first_payload) {
            Kind::Quic(QuicParser::new(cfg.quic))
        } else {
            Kind::for_datagram(first_payload, cfg)
        };
        Inspection {
            kind,
            datagram: [Vec::new(), Vec::new()],
            swapped: false,
        }
    }

    fn dir(&self, side: usize) -> Direction {
        if (side == CLIENT) != self.swapped {
            Direction::ClientToServer
        } else {
            Direction::ServerToClient
        }
    }

    pub fn feed(&mut self, s: &Segment<'_>, cfg: &InspectConfig) {
        if matches!(self.kind, Kind::Udp) {
            // The first datagram may not be the handshake (0-RTT, a reply seen first).
            self.kind = Kind::for_datagram(s.payload, cfg);
        }
        let dir = self.dir(s.side);
        match &mut self.kind {
            Kind::Tcp(t) => {
                t.on_segment(dir, s.seq, s.syn, s.fin_or_rst, s.payload);
            }
            Kind::Quic(q) => q.feed_datagram(dir, s.payload),
            Kind::Dtls(d) => d.feed_datagram(dir, s.payload),
            Kind::OpenVpn(o) => o.feed_datagram(dir, s.payload),
            Kind::Udp => {}
        }
        if !matches!(self.kind, Kind::Tcp(_)) {
            let first = &mut self.datagram[s.side];
            if first.is_empty() && !s.payload.is_empty() {
                first.extend_from_slice(&s.payload[..s.payload.len().min(cfg.prefix_bytes)]);
            }
        }
    }

    /// The first bytes of one side's payload, for the rule packs.
    pub fn prefix(&self, side: usize, cfg: &InspectConfig) -> &[u8] {
        let p: &[u8] = match &self.kind {
            Kind::Tcp(t) => t.stream(self.dir(side)).contiguous(),
            _ => &self.datagram[side],
        };
        &p[..p.len().min(cfg.prefix_bytes)]
    }

    /// A TLS, DTLS or QUIC hello was seen.
    pub fn is_tls(&self) -> bool {
        match &self.kind {
            Kind::Tcp(t) => t.is_tls(),
            Kind::Quic(q) => q.is_tls(),
            Kind::Dtls(d) => d.is_tls(),
            Kind::OpenVpn(o) => o.is_tls(),
            Kind::Udp => false,
        }
    }

    /// The handshake metadata can no longer change (or there is none to wait for).
    pub fn tls_final(&self) -> bool {
        match &self.kind {
            Kind::Tcp(t) => !t.is_tls() || t.is_final(),
            Kind::Quic(q) => !q.is_tls() || q.is_final(),
            Kind::Dtls(d) => !d.is_tls() || d.is_final(),
            Kind::OpenVpn(o) => !o.is_tls() || o.is_final(),
            Kind::Udp => true,
        }
    }

    pub fn metadata(&self) -> Option<&TlsMetadata> {
        let m = match &self.kind {
            Kind::Tcp(t) => t.metadata(),
            Kind::Quic(q) => q.metadata(),
            Kind::Dtls(d) => d.metadata(),
            Kind::OpenVpn(o) => o.metadata(),
            Kind::Udp => return None,
        };
        self.is_tls().then_some(m)
    }

    /// The handshake shows that the side we took for the client is the server (a capture
    /// that starts mid-stream, or a reply seen first). Checked once; the caller swaps the
    /// flow's roles and this inspection keeps its own directions.
    pub fn take_role_swap(&mut self) -> bool {
        let says = match &self.kind {
            Kind::Tcp(t) => t.roles_swapped(),
            Kind::Dtls(d) => d.roles_swapped(),
            Kind::OpenVpn(o) => o.roles_swapped(),
            _ => false,
        };
        if says && !self.swapped {
            self.swapped = true;
            self.datagram.swap(CLIENT, SERVER);
            true
        } else {
            false
        }
    }

    /// Keeps only the metadata (frees the stream buffers and the parser).
    pub fn into_metadata(self) -> Option<Box<TlsMetadata>> {
        if !self.is_tls() {
            return None;
        }
        Some(Box::new(match self.kind {
            Kind::Tcp(t) => t.into_metadata(),
            Kind::Quic(q) => q.into_metadata(),
            Kind::Dtls(d) => d.into_metadata(),
            Kind::OpenVpn(o) => o.into_metadata(),
            Kind::Udp => return None,
        }))
    }
}

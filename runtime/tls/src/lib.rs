//! flowsieve-tls: TLS, DTLS and QUIC handshake metadata for flow records.
//!
//! * [`StreamPrefix`] — bounded per-direction TCP reassembly of a stream's first bytes.
//! * [`TlsParser`] — per-flow TLS-over-TCP handshake parser fed with those prefixes.
//! * [`TcpTlsInspector`] — both prefixes plus the parser: one call per TCP segment.
//! * [`DtlsParser`] — per-flow DTLS parser fed with UDP datagrams.
//! * [`QuicParser`] — per-flow QUIC Initial decryption and ClientHello/ServerHello parsing.
//! * [`OpenVpnTls`] — the TLS handshake inside an OpenVPN control channel (UDP or TCP).
//!
//! All three produce a [`TlsMetadata`], the `flow.tls` block of the record
//! (serde-serialisable in the seed's key order). Nothing here panics on input,
//! and every buffer has a hard cap.
//!
//! Driving a TCP flow, once per packet:
//!
//! ```
//! use flowsieve_tls::{Direction, StreamPrefixConfig, TcpTlsInspector, TlsConfig};
//!
//! let mut flow = TcpTlsInspector::new(StreamPrefixConfig::default(), TlsConfig::default());
//! // (dir, seq, syn, fin_or_rst, payload) from the decoded TCP segment:
//! flow.on_segment(Direction::ClientToServer, 1000, true, false, &[]);
//! flow.on_segment(Direction::ClientToServer, 1001, false, false, b"\x16\x03\x01...");
//! if flow.is_final() {
//!     // emit flow_start with flow.metadata(), then keep only the metadata:
//!     let tls_block = flow.into_metadata();
//!     let _json = serde_json::to_string(&tls_block);
//! }
//! ```
//!
//! UDP flows: [`QuicParser::looks_like_quic_initial`] / [`DtlsParser::looks_like_dtls`] /
//! [`OpenVpnTls::looks_like_openvpn`]`(payload, false)` on the first client datagram, then
//! `feed_datagram(dir, payload)` for every datagram. OpenVPN over TCP needs nothing:
//! [`TcpTlsInspector`] recognises the client's hard reset and unwraps the control channel.

mod certificate;
mod dtls;
mod error;
mod fingerprint;
mod hello;
mod inspector;
mod metadata;
mod names;
mod openvpn;
mod quic;
mod reader;
pub mod reassembly;
mod tls;

pub use certificate::{summarize_certificate, CertificateSummary, NameSummary};
pub use dtls::DtlsParser;

pub use error::TlsError;
pub use fingerprint::{ja3_string, ja3s_string, ja4, md5_hex, Transport};
pub use hello::{is_grease, parse_client_hello, parse_server_hello, ClientHello, ServerHello};
pub use inspector::TcpTlsInspector;
pub use metadata::{ClientInfo, ServerInfo, TlsConfig, TlsMetadata};
pub use names::{cipher_text, version_text};

pub use openvpn::OpenVpnTls;
pub use quic::{QuicConfig, QuicParser};
pub use reassembly::{SegmentOutcome, StreamPrefix, StreamPrefixConfig};
pub use tls::{StopReason, TlsParser};

/// Direction of a packet relative to the flow's client (the side that opened it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
}

impl Direction {
    /// The other direction.
    pub fn reverse(self) -> Self {
        match self {
            Self::ClientToServer => Self::ServerToClient,
            Self::ServerToClient => Self::ClientToServer,
        }
    }
}

#[cfg(test)]
mod size_tests {
    /// The pipeline keeps one of these per inspected flow: keep them small
    /// enough to box cheaply, and notice when they grow.
    #[test]
    fn per_flow_state_sizes() {
        let sizes = [
            ("StreamPrefix", std::mem::size_of::<crate::StreamPrefix>()),
            ("TlsParser", std::mem::size_of::<crate::TlsParser>()),
            ("DtlsParser", std::mem::size_of::<crate::DtlsParser>()),
            ("QuicParser", std::mem::size_of::<crate::QuicParser>()),
            ("OpenVpnTls", std::mem::size_of::<crate::OpenVpnTls>()),
            (
                "TcpTlsInspector",
                std::mem::size_of::<crate::TcpTlsInspector>(),
            ),
        ];
        for (name, size) in sizes {
            println!("{name}: {size} bytes");
        }
        assert!(sizes[0].1 <= 128);
        assert!(sizes[1].1 <= 1024);
    }
}

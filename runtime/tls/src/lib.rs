//! flowsieve-tls: TLS, DTLS and QUIC handshake metadata for flow records.
//!
//! * [`StreamPrefix`] — bounded per-direction TCP reassembly of a stream's first bytes.
//! * [`TlsParser`] — per-flow TLS-over-TCP handshake parser fed with those prefixes.
//! * [`DtlsParser`] — per-flow DTLS parser fed with UDP datagrams.
//! * [`QuicParser`] — per-flow QUIC Initial decryption and ClientHello/ServerHello parsing.
//!
//! All three produce a [`TlsMetadata`], the `flow.tls` block of the record
//! (serde-serialisable in the seed's key order). Nothing here panics on input,
//! and every buffer has a hard cap.

mod certificate;
mod dtls;
mod error;
mod fingerprint;
mod hello;
mod metadata;
mod names;
mod quic;
mod reader;
pub mod reassembly;
mod tls;

pub use certificate::{summarize_certificate, CertificateSummary, NameSummary};
pub use dtls::DtlsParser;

pub use error::TlsError;
pub use fingerprint::{ja3_string, ja3s_string, ja4, md5_hex, Transport};
pub use hello::{is_grease, parse_client_hello, parse_server_hello, ClientHello, ServerHello};
pub use metadata::{ClientInfo, ServerInfo, TlsConfig, TlsMetadata};
pub use names::{cipher_text, version_text};

pub use quic::{QuicConfig, QuicParser};
pub use reassembly::{SegmentOutcome, StreamPrefix, StreamPrefixConfig};
pub use tls::{StopReason, TlsParser};

/// Direction of a packet relative to the flow's client (the side that opened it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    ClientToServer,
    ServerToClient,
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
        ];
        for (name, size) in sizes {
            println!("{name}: {size} bytes");
        }
        assert!(sizes[0].1 <= 128);
        assert!(sizes[1].1 <= 1024);
    }
}

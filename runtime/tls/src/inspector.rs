//! One-call-per-packet convenience for TCP flows: both directions' stream
//! prefixes plus the TLS parser, fed in the right order.

use crate::reassembly::{SegmentOutcome, StreamPrefix, StreamPrefixConfig};
use crate::{Direction, TlsConfig, TlsMetadata, TlsParser};

/// Per-TCP-flow inspection state: what the pipeline allocates (boxed) once a
/// flow carries payload, and drops once [`is_final`](Self::is_final) and the
/// classifier no longer needs the prefixes.
#[derive(Debug, Clone)]
pub struct TcpTlsInspector {
    client: StreamPrefix,
    server: StreamPrefix,
    parser: TlsParser,
}

impl TcpTlsInspector {
    pub fn new(stream: StreamPrefixConfig, tls: TlsConfig) -> Self {
        Self {
            client: StreamPrefix::new(stream),
            server: StreamPrefix::new(stream),
            parser: TlsParser::new(tls),
        }
    }

    /// Feed one TCP segment of the flow (payload may be empty, e.g. a bare SYN
    /// or FIN). `fin_or_rst` tells that the direction will carry no more data.
    pub fn on_segment(
        &mut self,
        dir: Direction,
        seq: u32,
        syn: bool,
        fin_or_rst: bool,
        payload: &[u8],
    ) -> SegmentOutcome {
        let prefix = match dir {
            Direction::ClientToServer => &mut self.client,
            Direction::ServerToClient => &mut self.server,
        };
        let before = prefix.contiguous().len();
        let outcome = prefix.on_segment(seq, syn, payload);
        if prefix.contiguous().len() != before {
            self.parser.feed(dir, prefix.contiguous());
        }
        if fin_or_rst || prefix.is_full() {
            self.parser.close_direction(dir);
        }
        outcome
    }

    /// The in-order prefix of one direction (for the classifier's flow view).
    pub fn stream(&self, dir: Direction) -> &StreamPrefix {
        match dir {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        }
    }

    pub fn parser(&self) -> &TlsParser {
        &self.parser
    }

    /// See [`TlsParser::is_tls`].
    pub fn is_tls(&self) -> bool {
        self.parser.is_tls()
    }

    /// See [`TlsParser::roles_swapped`].
    pub fn roles_swapped(&self) -> bool {
        self.parser.roles_swapped()
    }

    /// See [`TlsParser::is_final`].
    pub fn is_final(&self) -> bool {
        self.parser.is_final()
    }

    pub fn metadata(&self) -> &TlsMetadata {
        self.parser.metadata()
    }

    /// Keep only the metadata (frees both prefixes and the parser).
    pub fn into_metadata(self) -> TlsMetadata {
        self.parser.into_metadata()
    }

    /// Heap bytes held (prefixes and parser buffers; metadata excluded).
    pub fn heap_bytes(&self) -> usize {
        self.client.heap_bytes() + self.server.heap_bytes() + self.parser.heap_bytes()
    }
}

//! One-call-per-packet convenience for TCP flows: both directions' stream
//! prefixes plus the TLS parser, fed in the right order.

use crate::openvpn::OpenVpnTls;
use crate::reassembly::{SegmentOutcome, StreamPrefix, StreamPrefixConfig};
use crate::{Direction, TlsConfig, TlsMetadata, TlsParser};

/// Longest OpenVPN client hard reset (tls-auth with a 64-byte HMAC, or
/// tls-crypt-v2 with its wrapped client key): how long to wait for it.
const MAX_OPENVPN_FIRST_PACKET: usize = 2048;

/// Per-TCP-flow inspection state: what the pipeline allocates (boxed) once a
/// flow carries payload, and drops once [`is_final`](Self::is_final) and the
/// classifier no longer needs the prefixes.
#[derive(Debug, Clone)]
pub struct TcpTlsInspector {
    client: StreamPrefix,
    server: StreamPrefix,
    parser: TlsParser,
    /// Set when the client's stream starts with an OpenVPN-over-TCP client
    /// hard reset: the TLS handshake is then read from its control channel.
    openvpn: Option<Box<OpenVpnTls>>,
    /// The OpenVPN check on the client's first bytes was made.
    framing_decided: bool,
    config: TlsConfig,
}

impl TcpTlsInspector {
    pub fn new(stream: StreamPrefixConfig, tls: TlsConfig) -> Self {
        Self {
            client: StreamPrefix::new(stream),
            server: StreamPrefix::new(stream),
            parser: TlsParser::new(tls),
            openvpn: None,
            framing_decided: false,
            config: tls,
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
        let grew = prefix.contiguous().len() != before;
        let closed = fin_or_rst || prefix.is_full();
        if !self.framing_decided && grew {
            self.decide_framing(dir, closed);
        }
        if let Some(openvpn) = &mut self.openvpn {
            let prefix = match dir {
                Direction::ClientToServer => &self.client,
                Direction::ServerToClient => &self.server,
            };
            if grew {
                openvpn.feed_stream(dir, prefix.contiguous());
            }
            if closed {
                openvpn.close_direction(dir);
            }
            return outcome;
        }
        let prefix = match dir {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        };
        if grew {
            self.parser.feed(dir, prefix.contiguous());
        }
        if closed {
            self.parser.close_direction(dir);
        }
        outcome
    }

    /// Once the first stream to carry data (the OpenVPN client speaks first;
    /// normally the client's, but the pipeline's role guess can be wrong)
    /// holds its first OpenVPN-sized packet, check whether it is an
    /// OpenVPN-over-TCP client hard reset; if so, route both directions
    /// through the control-channel unwrapper from now on.
    fn decide_framing(&mut self, dir: Direction, closed: bool) {
        let prefix = match dir {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        };
        let c = prefix.contiguous();
        let Some(&[hi, lo]) = c.get(..2) else {
            return;
        };
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        let plausible = (14..=MAX_OPENVPN_FIRST_PACKET).contains(&len);
        if plausible && c.len() < 2 + len && !closed && !prefix.is_full() {
            return; // wait for the whole first packet
        }
        self.framing_decided = true;
        if !OpenVpnTls::looks_like_openvpn(c, true) {
            return;
        }
        let mut openvpn = Box::new(OpenVpnTls::new(self.config, true));
        // The other direction's bytes so far (this one is fed by the caller).
        let other = dir.reverse();
        openvpn.feed_stream(other, self.stream(other).contiguous());
        // The TLS parser saw only non-TLS bytes: drop its state.
        self.parser = TlsParser::new(self.config);
        self.openvpn = Some(openvpn);
    }

    /// The OpenVPN control-channel unwrapper, when this flow is OpenVPN over TCP.
    pub fn openvpn(&self) -> Option<&OpenVpnTls> {
        self.openvpn.as_deref()
    }

    /// The in-order prefix of one direction (for the classifier's flow view).
    pub fn stream(&self, dir: Direction) -> &StreamPrefix {
        match dir {
            Direction::ClientToServer => &self.client,
            Direction::ServerToClient => &self.server,
        }
    }

    /// The TLS parser (for OpenVPN over TCP, the one behind the unwrapper).
    pub fn parser(&self) -> &TlsParser {
        match &self.openvpn {
            Some(openvpn) => openvpn.parser(),
            None => &self.parser,
        }
    }

    /// See [`TlsParser::is_tls`].
    pub fn is_tls(&self) -> bool {
        self.parser().is_tls()
    }

    /// See [`TlsParser::roles_swapped`].
    pub fn roles_swapped(&self) -> bool {
        self.parser().roles_swapped()
    }

    /// See [`TlsParser::is_final`] (and [`OpenVpnTls::is_final`]).
    pub fn is_final(&self) -> bool {
        match &self.openvpn {
            Some(openvpn) => openvpn.is_final(),
            None => self.parser.is_final(),
        }
    }

    pub fn metadata(&self) -> &TlsMetadata {
        self.parser().metadata()
    }

    /// Keep only the metadata (frees both prefixes and the parser).
    pub fn into_metadata(self) -> TlsMetadata {
        match self.openvpn {
            Some(openvpn) => openvpn.into_metadata(),
            None => self.parser.into_metadata(),
        }
    }

    /// Heap bytes held (prefixes and parser buffers; metadata excluded).
    pub fn heap_bytes(&self) -> usize {
        self.client.heap_bytes()
            + self.server.heap_bytes()
            + self.parser.heap_bytes()
            + self
                .openvpn
                .as_ref()
                .map_or(0, |o| std::mem::size_of::<OpenVpnTls>() + o.heap_bytes())
    }
}

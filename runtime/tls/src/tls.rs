//! TLS over TCP: record framing and handshake-message reassembly per direction.
//!
//! [`TlsParser`] is fed each direction's in-order stream prefix (typically
//! [`StreamPrefix::contiguous`](crate::StreamPrefix::contiguous)) after every
//! segment. It remembers how far it parsed, so each call only looks at new
//! bytes and nothing is copied except a handshake message that spans records.

use crate::fingerprint::Transport;
use crate::metadata::{HandshakeState, TlsConfig, TlsMetadata};
use crate::{Direction, TlsError};

/// Largest TLSCiphertext fragment (RFC 8446 §5.2: 2^14 + 256; TLS 1.2 allows + 2048).
const MAX_RECORD_LEN: usize = 16384 + 2048;
const RECORD_HEADER_LEN: usize = 5;
const HANDSHAKE_HEADER_LEN: usize = 4;

/// Record content types.
const CHANGE_CIPHER_SPEC: u8 = 20;
const ALERT: u8 = 21;
const HANDSHAKE: u8 = 22;
const APPLICATION_DATA: u8 = 23;
const HEARTBEAT: u8 = 24;

/// Why a direction is no longer parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// No TLS hello found within `max_sync_scan` bytes.
    NotTls,
    /// A record header that cannot be TLS (lost sync or not TLS after all).
    BadRecord,
    /// A handshake message larger than `max_handshake_message`.
    MessageTooLarge,
}

/// Framing state of one direction.
#[derive(Debug, Clone, Default)]
struct DirectionFramer {
    /// Stream offset of the next unparsed byte.
    consumed: usize,
    /// A TLS hello record header was found (after an optional STARTTLS preamble).
    synced: bool,
    stopped: Option<StopReason>,
    /// No more bytes will arrive (FIN/RST, stream cap, or the pipeline gave up).
    closed: bool,
    /// Bytes of a handshake message that continues in the next record.
    partial_message: Vec<u8>,
}

/// Per-flow TLS handshake parser for TLS over TCP.
#[derive(Debug, Clone)]
pub struct TlsParser {
    state: HandshakeState,
    client: DirectionFramer,
    server: DirectionFramer,
}

impl TlsParser {
    pub fn new(config: TlsConfig) -> Self {
        Self {
            state: HandshakeState::new(config, Transport::Tcp),
            client: DirectionFramer::default(),
            server: DirectionFramer::default(),
        }
    }

    /// Feed both directions' in-order stream prefixes (each from stream byte 0;
    /// a later call must pass the same bytes extended, as a growing prefix does).
    pub fn update(&mut self, client_stream: &[u8], server_stream: &[u8]) {
        self.feed(Direction::ClientToServer, client_stream);
        self.feed(Direction::ServerToClient, server_stream);
    }

    /// Feed one direction's in-order stream prefix (from stream byte 0).
    pub fn feed(&mut self, dir: Direction, stream: &[u8]) {
        let (framer, state) = match dir {
            Direction::ClientToServer => (&mut self.client, &mut self.state),
            Direction::ServerToClient => (&mut self.server, &mut self.state),
        };
        framer.parse(dir, stream, state);
    }

    /// Tell the parser no more bytes will come in `dir` (FIN, RST, the stream
    /// prefix cap was reached, or the pipeline stopped feeding).
    pub fn close_direction(&mut self, dir: Direction) {
        match dir {
            Direction::ClientToServer => self.client.closed = true,
            Direction::ServerToClient => self.server.closed = true,
        }
    }

    /// True once a ClientHello or ServerHello was parsed: this is a TLS flow.
    pub fn is_tls(&self) -> bool {
        self.state.client_hello_seen || self.state.server_hello_seen
    }

    /// True when the metadata can no longer change: the handshake is finished,
    /// or complete with nothing more expected (no pending client certificate),
    /// or neither direction can deliver more parseable bytes (closed, stopped,
    /// or found not to be TLS).
    pub fn is_final(&self) -> bool {
        let exhausted = |f: &DirectionFramer| f.closed || f.stopped.is_some();
        self.state.is_final() || (exhausted(&self.client) && exhausted(&self.server))
    }

    /// The metadata gathered so far.
    pub fn metadata(&self) -> &TlsMetadata {
        &self.state.meta
    }

    /// Take the metadata out (e.g. when the flow ends).
    pub fn into_metadata(self) -> TlsMetadata {
        self.state.meta
    }

    /// Why `dir` stopped being parsed, if it did.
    pub fn stop_reason(&self, dir: Direction) -> Option<&StopReason> {
        match dir {
            Direction::ClientToServer => self.client.stopped.as_ref(),
            Direction::ServerToClient => self.server.stopped.as_ref(),
        }
    }

    /// The first malformed-message error met, if any (diagnostics only).
    pub fn last_error(&self) -> Option<&TlsError> {
        self.state.last_error.as_ref()
    }

    /// Heap bytes held by the parser itself (the metadata excluded).
    pub fn heap_bytes(&self) -> usize {
        self.client.partial_message.capacity() + self.server.partial_message.capacity()
    }
}

/// Does `bytes` start with a handshake record carrying a hello for `dir`?
fn looks_like_hello_record(dir: Direction, bytes: &[u8]) -> bool {
    let [content_type, major, minor, len_hi, len_lo, msg_type, _, _, _, hello_major, ..] = *bytes
    else {
        return false;
    };
    let record_len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
    let wanted = match dir {
        Direction::ClientToServer => crate::metadata::msg::CLIENT_HELLO,
        Direction::ServerToClient => crate::metadata::msg::SERVER_HELLO,
    };
    content_type == HANDSHAKE
        && major == 3
        && minor <= 4
        && (HANDSHAKE_HEADER_LEN..=MAX_RECORD_LEN).contains(&record_len)
        && msg_type == wanted
        && (hello_major == 3 || hello_major == 0x7f)
}

impl DirectionFramer {
    fn parse(&mut self, dir: Direction, stream: &[u8], state: &mut HandshakeState) {
        if self.stopped.is_some() {
            return;
        }
        if !self.synced && !self.find_first_hello(dir, stream, state.config.max_sync_scan) {
            return;
        }
        while let Some(rest) = stream.get(self.consumed..) {
            let [content_type, major, _, len_hi, len_lo, ..] = *rest else {
                return;
            };
            let len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
            if major != 3 || len > MAX_RECORD_LEN {
                self.stopped = Some(StopReason::BadRecord);
                return;
            }
            let Some(fragment) = rest.get(RECORD_HEADER_LEN..RECORD_HEADER_LEN + len) else {
                return; // record not complete yet
            };
            self.consumed += RECORD_HEADER_LEN + len;
            match content_type {
                HANDSHAKE if !state.handshake_encrypted(dir) => {
                    if let Err(reason) = self.on_handshake_fragment(dir, fragment, state) {
                        self.stopped = Some(reason);
                        return;
                    }
                }
                HANDSHAKE | ALERT | HEARTBEAT => {}
                CHANGE_CIPHER_SPEC => state.on_change_cipher_spec(dir),
                APPLICATION_DATA => state.on_application_data(dir),
                _ => {
                    self.stopped = Some(StopReason::BadRecord);
                    return;
                }
            }
        }
    }

    /// Find the first hello record (skipping a STARTTLS plaintext preamble).
    /// Returns true once synced.
    fn find_first_hello(&mut self, dir: Direction, stream: &[u8], max_scan: usize) -> bool {
        let end = stream.len().min(max_scan);
        while self.consumed < end {
            let Some(at) = stream.get(self.consumed..) else {
                return false;
            };
            if at.len() < 10 {
                return false; // wait for enough bytes to judge
            }
            if looks_like_hello_record(dir, at) {
                self.synced = true;
                return true;
            }
            self.consumed += 1;
        }
        if self.consumed >= max_scan {
            self.stopped = Some(StopReason::NotTls);
        }
        false
    }

    /// Walk the handshake messages in one record fragment, joining a message
    /// that spans records through `partial_message`.
    fn on_handshake_fragment(
        &mut self,
        dir: Direction,
        fragment: &[u8],
        state: &mut HandshakeState,
    ) -> Result<(), StopReason> {
        let max = state.config.max_handshake_message;
        if self.partial_message.is_empty() {
            let used = walk_messages(dir, fragment, max, state)?;
            if let Some(leftover) = fragment.get(used..) {
                self.partial_message.extend_from_slice(leftover);
            }
            return Ok(());
        }
        if self.partial_message.len() + fragment.len() > max + HANDSHAKE_HEADER_LEN + MAX_RECORD_LEN
        {
            return Err(StopReason::MessageTooLarge);
        }
        self.partial_message.extend_from_slice(fragment);
        let used = walk_messages(dir, &self.partial_message, max, state)?;
        self.partial_message.drain(..used.min(self.partial_message.len()));
        Ok(())
    }
}

/// Dispatch every complete handshake message in `bytes`; return the bytes used.
pub(crate) fn walk_messages(
    dir: Direction,
    bytes: &[u8],
    max_message: usize,
    state: &mut HandshakeState,
) -> Result<usize, StopReason> {
    let mut used = 0;
    while let Some(rest) = bytes.get(used..) {
        let [msg_type, l0, l1, l2, ..] = *rest else {
            break;
        };
        let len = u32::from_be_bytes([0, l0, l1, l2]) as usize;
        if len > max_message {
            return Err(StopReason::MessageTooLarge);
        }
        let Some(body) = rest.get(HANDSHAKE_HEADER_LEN..HANDSHAKE_HEADER_LEN + len) else {
            break;
        };
        state.on_handshake_message(dir, msg_type, body);
        used += HANDSHAKE_HEADER_LEN + len;
    }
    Ok(used)
}

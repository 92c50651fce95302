//! DTLS (RFC 6347 / 9147 plaintext records): hellos and certificates from UDP datagrams.
//!
//! DTLS handshake messages carry their own fragment offset, so a Certificate
//! split over several records or datagrams is reassembled by offset here
//! (one message in progress per direction, bounded by `max_handshake_message`).

use crate::fingerprint::Transport;
use crate::metadata::{HandshakeState, TlsConfig, TlsMetadata};
use crate::reader::Reader;
use crate::Direction;

const HANDSHAKE: u8 = 22;
const CHANGE_CIPHER_SPEC: u8 = 20;
const APPLICATION_DATA: u8 = 23;

/// A handshake message being reassembled from fragments.
#[derive(Debug, Clone, Default)]
struct PendingMessage {
    message_seq: u16,
    msg_type: u8,
    body: Vec<u8>,
    /// Bytes of `body` filled so far, as merged `[start, end)` ranges.
    filled: Vec<(usize, usize)>,
}

impl PendingMessage {
    fn is_complete(&self) -> bool {
        matches!(self.filled.as_slice(), [(0, end)] if *end == self.body.len())
    }

    fn add(&mut self, offset: usize, data: &[u8]) {
        let end = offset.saturating_add(data.len()).min(self.body.len());
        if offset >= end {
            return;
        }
        if let (Some(dst), Some(src)) = (self.body.get_mut(offset..end), data.get(..end - offset)) {
            dst.copy_from_slice(src);
        }
        let mut merged = (offset, end);
        self.filled.retain(|&(s, e)| {
            if e < merged.0 || s > merged.1 {
                return true;
            }
            merged = (merged.0.min(s), merged.1.max(e));
            false
        });
        self.filled.push(merged);
        self.filled.sort_unstable();
    }
}

#[derive(Debug, Clone, Default)]
struct DirectionState {
    pending: Option<PendingMessage>,
    /// message_seq values (< 64) already dispatched, to skip retransmissions.
    done: u64,
}

/// Per-flow DTLS handshake parser.
#[derive(Debug, Clone)]
pub struct DtlsParser {
    state: HandshakeState,
    dirs: [DirectionState; 2],
}

impl DtlsParser {
    pub fn new(config: TlsConfig) -> Self {
        Self {
            state: HandshakeState::new(config, Transport::Dtls),
            dirs: Default::default(),
        }
    }

    /// Quick check that a UDP payload starts with a plaintext DTLS handshake record.
    pub fn looks_like_dtls(datagram: &[u8]) -> bool {
        matches!(datagram, [HANDSHAKE, 0xfe, 0xfd | 0xff | 0xfc, ..]) && datagram.len() >= 25
    }

    /// Feed one UDP payload of the flow.
    pub fn feed_datagram(&mut self, dir: Direction, datagram: &[u8]) {
        let mut r = Reader::new(datagram);
        while !r.is_empty() {
            let Some(header) = r.bytes(11) else { return };
            let Some(fragment) = r.vec16() else { return };
            let (content_type, major, epoch) = (header[0], header[1], [header[3], header[4]]);
            if major != 0xfe {
                return;
            }
            match content_type {
                // Epoch > 0 means protected (e.g. the encrypted Finished).
                HANDSHAKE if epoch == [0, 0] => self.on_handshake_record(dir, fragment),
                CHANGE_CIPHER_SPEC => self.state.on_change_cipher_spec(dir),
                APPLICATION_DATA => self.state.on_application_data(dir),
                _ => {}
            }
        }
    }

    fn on_handshake_record(&mut self, dir: Direction, fragment: &[u8]) {
        let max = self.state.config.max_handshake_message;
        let slot = match dir {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 1,
        };
        let mut r = Reader::new(fragment);
        while !r.is_empty() {
            let (Some(msg_type), Some(length), Some(message_seq), Some(offset), Some(data)) =
                (r.u8(), r.u24(), r.u16(), r.u24(), r.vec24())
            else {
                return;
            };
            let (length, offset) = (length as usize, offset as usize);
            let dir_state = &mut self.dirs[slot];
            if length > max || (message_seq < 64 && dir_state.done & (1 << message_seq) != 0) {
                continue;
            }
            if offset == 0 && data.len() == length {
                // Unfragmented: no copy.
                self.dispatch(dir, slot, message_seq, msg_type, data);
                continue;
            }
            let pending = dir_state
                .pending
                .get_or_insert_with(PendingMessage::default);
            if pending.message_seq != message_seq || pending.body.len() != length {
                *pending = PendingMessage {
                    message_seq,
                    msg_type,
                    body: vec![0; length],
                    filled: Vec::new(),
                };
            }
            pending.add(offset, data);
            if pending.is_complete() {
                if let Some(done) = dir_state.pending.take() {
                    self.dispatch(dir, slot, done.message_seq, done.msg_type, &done.body);
                }
            }
        }
    }

    fn dispatch(&mut self, dir: Direction, slot: usize, seq: u16, msg_type: u8, body: &[u8]) {
        if seq < 64 {
            self.dirs[slot].done |= 1 << seq;
        }
        self.state.on_handshake_message(dir, msg_type, body);
    }

    pub fn is_tls(&self) -> bool {
        self.state.client_hello_seen || self.state.server_hello_seen
    }

    /// See [`TlsParser::roles_swapped`](crate::TlsParser::roles_swapped).
    pub fn roles_swapped(&self) -> bool {
        self.state.roles_swapped()
    }

    /// See [`TlsParser::is_final`](crate::TlsParser::is_final).
    pub fn is_final(&self) -> bool {
        self.state.is_final()
    }

    pub fn metadata(&self) -> &TlsMetadata {
        &self.state.meta
    }

    pub fn into_metadata(self) -> TlsMetadata {
        self.state.meta
    }
}

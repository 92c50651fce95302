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

    /// True when the ClientHello came from the side the caller called the
    /// server (mid-stream capture, wrong guess): the metadata is already
    /// corrected; the pipeline should swap source and destination.
    pub fn roles_swapped(&self) -> bool {
        self.state.roles_swapped()
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

/// Does `bytes` start with a handshake record carrying a ClientHello or
/// ServerHello? Either is accepted in either direction: the first hello
/// decides the roles (the caller's client guess can be wrong mid-stream).
/// (The hello's own version byte is checked only when the record holds it:
/// a hello may be fragmented into records as small as one byte.)
fn looks_like_hello_record(bytes: &[u8]) -> bool {
    let [content_type, major, minor, len_hi, len_lo, msg_type, ..] = *bytes else {
        return false;
    };
    let record_len = usize::from(u16::from_be_bytes([len_hi, len_lo]));
    let is_hello = msg_type == crate::metadata::msg::CLIENT_HELLO
        || msg_type == crate::metadata::msg::SERVER_HELLO;
    let hello_major_ok = record_len < 5 || matches!(bytes.get(9), Some(3 | 0x7f));
    content_type == HANDSHAKE
        && major == 3
        && minor <= 4
        && (1..=MAX_RECORD_LEN).contains(&record_len)
        && is_hello
        && hello_major_ok
}

/// Can `preamble` be what precedes the first hello of a TLS stream? Nothing;
/// a STARTTLS exchange in text (SMTP/IMAP/POP3/FTP/XMPP/HTTP CONNECT: printable
/// ASCII ending in LF or `>`); PostgreSQL's binary SSLRequest or its `S`
/// answer; whole BER SEQUENCEs (LDAP's StartTLS ExtendedRequest/Response); or
/// whole TLS records (e.g. a warning alert sent before the ServerHello).
/// Anything else is a binary framing (e.g. OpenVPN) whose bytes may
/// interleave with a hello's: locking onto it would give a wrong fingerprint.
fn plausible_preamble(preamble: &[u8]) -> bool {
    const PG_SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    let text = preamble
        .iter()
        .all(|&b| b.is_ascii_graphic() || matches!(b, b' ' | b'\r' | b'\n' | b'\t'))
        && matches!(preamble.last(), Some(b'\n' | b'>'));
    preamble.is_empty()
        || text
        || preamble == PG_SSL_REQUEST
        || preamble == b"S"
        || ber_sequences(preamble)
        || tls_records(preamble)
}

/// `bytes` is one or more complete TLS records and nothing else.
fn tls_records(mut bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    while let [content_type, 3, minor, hi, lo, ref rest @ ..] = *bytes {
        let len = usize::from(u16::from_be_bytes([hi, lo]));
        if !(CHANGE_CIPHER_SPEC..=HEARTBEAT).contains(&content_type) || minor > 4 {
            return false;
        }
        let Some(next) = rest.get(len..) else {
            return false;
        };
        bytes = next;
        if bytes.is_empty() {
            return true;
        }
    }
    false
}

/// `bytes` is one or more complete BER SEQUENCEs (definite lengths) and nothing else.
fn ber_sequences(mut bytes: &[u8]) -> bool {
    if bytes.is_empty() {
        return false;
    }
    while let [0x30, first_len, ref rest @ ..] = *bytes {
        let (len, rest) = if first_len < 0x80 {
            (usize::from(first_len), rest)
        } else {
            let n = usize::from(first_len & 0x7f);
            if n == 0 || n > 3 || rest.len() < n {
                return false;
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[n..])
        };
        let Some(next) = rest.get(len..) else {
            return false;
        };
        bytes = next;
        if bytes.is_empty() {
            return true;
        }
    }
    false
}

enum Sslv2Hello<'a> {
    No,
    NeedMore,
    /// Record length including its 2-byte header, and the message body.
    Found(usize, &'a [u8]),
}

/// An SSL 2.0-format CLIENT-HELLO at the start of the client stream: a
/// 2-byte header with the high bit set, message type 1, version 3.x or 2.0.
fn sslv2_client_hello(stream: &[u8]) -> Sslv2Hello<'_> {
    let [b0, b1, msg_type, major, ..] = *stream else {
        return Sslv2Hello::NeedMore;
    };
    let len = usize::from(u16::from_be_bytes([b0 & 0x7f, b1]));
    // Real SSLv2-format hellos are a few hundred bytes; a larger "length"
    // means this is something else, and waiting for it would stall the scan.
    if b0 & 0x80 == 0 || msg_type != 1 || !(major == 3 || major == 0) || len > 4096 {
        return Sslv2Hello::No;
    }
    match stream.get(2..2 + len) {
        Some(body) => Sslv2Hello::Found(2 + len, body),
        None => Sslv2Hello::NeedMore,
    }
}

impl DirectionFramer {
    fn parse(&mut self, dir: Direction, stream: &[u8], state: &mut HandshakeState) {
        if self.stopped.is_some() {
            return;
        }
        if !self.synced && !self.find_first_hello(dir, stream, state) {
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
    fn find_first_hello(
        &mut self,
        dir: Direction,
        stream: &[u8],
        state: &mut HandshakeState,
    ) -> bool {
        if self.consumed == 0 && dir == Direction::ClientToServer {
            match sslv2_client_hello(stream) {
                Sslv2Hello::NeedMore => return false,
                Sslv2Hello::Found(record_len, body) => {
                    state.on_sslv2_client_hello(body);
                    self.consumed = record_len;
                    self.synced = true;
                    return true;
                }
                Sslv2Hello::No => {}
            }
        }
        let max_scan = state.config.max_sync_scan;
        let end = stream.len().min(max_scan);
        while self.consumed < end {
            let Some(at) = stream.get(self.consumed..) else {
                return false;
            };
            if at.len() < 10 {
                return false; // wait for enough bytes to judge
            }
            if looks_like_hello_record(at) && plausible_preamble(&stream[..self.consumed]) {
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
        self.partial_message
            .drain(..used.min(self.partial_message.len()));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hello::tests::{alpn_ext, client_hello_body, sni_ext};

    fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![msg_type];
        m.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        m.extend_from_slice(body);
        m
    }

    fn record(content_type: u8, fragment: &[u8]) -> Vec<u8> {
        let mut r = vec![content_type, 3, 3];
        r.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
        r.extend_from_slice(fragment);
        r
    }

    fn client_hello() -> Vec<u8> {
        handshake(
            1,
            &client_hello_body(
                &[0x1301, 0xc02f],
                &[sni_ext("example.org"), alpn_ext(&["h2"])],
            ),
        )
    }

    /// ServerHello selecting `cipher`, TLS 1.2 unless `tls13`.
    fn server_hello(cipher: u16, tls13: bool) -> Vec<u8> {
        let mut b = vec![3, 3];
        b.extend_from_slice(&[0x22; 32]);
        b.push(0);
        b.extend_from_slice(&cipher.to_be_bytes());
        b.push(0);
        if tls13 {
            b.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
        } else {
            b.extend_from_slice(&[0, 4, 0xff, 0x01, 0, 0]);
        }
        handshake(2, &b)
    }

    #[test]
    fn message_split_over_records_and_segments() {
        let ch = client_hello();
        // The ClientHello is split across three records, fed one byte at a time.
        let mut stream = Vec::new();
        for chunk in ch.chunks(ch.len() / 3 + 1) {
            stream.extend(record(22, chunk));
        }
        let mut p = TlsParser::new(TlsConfig::default());
        for end in 0..=stream.len() {
            p.feed(Direction::ClientToServer, &stream[..end]);
        }
        let m = p.metadata();
        assert_eq!(m.client.sni.as_deref(), Some("example.org"));
        assert_eq!(m.client.alpn, ["h2"]);
        assert!(m.client.ja3.is_some());
        assert!(p.heap_bytes() < 1024);
    }

    #[test]
    fn several_messages_in_one_record_tls12_flags() {
        let mut p = TlsParser::new(TlsConfig::default());
        let client = record(22, &client_hello());
        let mut flight = server_hello(0xc02f, false);
        flight.extend(handshake(14, &[])); // ServerHelloDone in the same record
        let server = record(22, &flight);
        p.update(&client, &server);
        assert!(p.metadata().handshake_complete);
        assert!(!p.metadata().handshake_finished);
        assert!(p.is_final());
        assert_eq!(p.metadata().version_text, "TLS 1.2");
        assert_eq!(
            p.metadata().cipher_text,
            Some("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
        );
        // Encrypted Finished after ChangeCipherSpec is not parsed as a handshake message.
        let mut client2 = client.clone();
        client2.extend(record(20, &[1]));
        client2.extend(record(22, &[0xde, 0xad, 0xbe, 0xef, 0x01, 0x02]));
        let mut server2 = server.clone();
        server2.extend(record(20, &[1]));
        p.update(&client2, &server2);
        assert!(p.metadata().handshake_finished);
        assert!(p.last_error().is_none());
    }

    #[test]
    fn certificate_request_delays_final_until_client_flight() {
        let mut p = TlsParser::new(TlsConfig::default());
        let client = record(22, &client_hello());
        let mut flight = server_hello(0xc02f, false);
        flight.extend(handshake(13, &[1, 1, 0, 0, 0, 0]));
        flight.extend(handshake(14, &[]));
        p.update(&client, &record(22, &flight));
        assert!(p.metadata().handshake_complete);
        assert!(!p.is_final());
        let mut client2 = client.clone();
        client2.extend(record(20, &[1]));
        p.update(&client2, &record(22, &flight));
        assert!(p.is_final());
    }

    #[test]
    fn tls13_final_after_server_hello_and_supported_versions_wins() {
        let mut p = TlsParser::new(TlsConfig::default());
        p.update(
            &record(22, &client_hello()),
            &record(22, &server_hello(0x1301, true)),
        );
        let m = p.metadata();
        assert_eq!(m.version, Some(0x0304));
        assert_eq!(m.version_text, "TLS 1.3");
        assert!(m.handshake_complete);
        assert!(p.is_final());
    }

    #[test]
    fn reversed_roles_are_detected_and_corrected() {
        let mut p = TlsParser::new(TlsConfig::default());
        let client = record(22, &client_hello());
        let mut server = record(22, &server_hello(0xc02f, false));
        server.extend(record(22, &handshake(14, &[])));
        // The caller guessed the directions the wrong way round.
        p.update(&server, &client);
        assert!(p.roles_swapped());
        let m = p.metadata();
        assert_eq!(m.client.sni.as_deref(), Some("example.org"));
        assert_eq!(m.cipher, Some(0xc02f));
        assert!(m.handshake_complete);
        let mut client2 = client.clone();
        client2.extend(record(20, &[1]));
        server.extend(record(20, &[1]));
        p.update(&server, &client2);
        assert!(p.metadata().handshake_finished);
    }

    #[test]
    fn starttls_preamble_is_skipped() {
        let mut client = b"EHLO example\r\nSTARTTLS\r\n".to_vec();
        client.extend(record(22, &client_hello()));
        let mut server = b"220 ready\r\n250-hello\r\n250 STARTTLS\r\n220 go ahead\r\n".to_vec();
        server.extend(record(22, &server_hello(0xc02f, false)));
        let mut p = TlsParser::new(TlsConfig::default());
        p.update(&client, &server);
        assert!(p.is_tls());
        assert_eq!(p.metadata().client.sni.as_deref(), Some("example.org"));
        assert_eq!(p.metadata().cipher, Some(0xc02f));
    }

    #[test]
    fn binary_preambles_are_accepted_only_when_known() {
        let hello = record(22, &client_hello());
        let synced = |preamble: &[u8]| {
            let mut stream = preamble.to_vec();
            stream.extend_from_slice(&hello);
            let mut p = TlsParser::new(TlsConfig::default());
            p.feed(Direction::ClientToServer, &stream);
            p.is_tls()
        };
        // PostgreSQL SSLRequest and its answer, LDAP StartTLS (BER), XMPP,
        // an alert record before the hello, nothing at all.
        assert!(synced(&[0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]));
        assert!(synced(b"S"));
        let mut ldap = vec![0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16];
        ldap.extend_from_slice(b"1.3.6.1.4.1.1466.20037");
        assert!(synced(&ldap));
        assert!(synced(
            b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"
        ));
        assert!(synced(&record(21, &[1, 112])));
        assert!(synced(b""));
        // Binary framing (OpenVPN over TCP: length, opcode, session id, ids)
        // or text without a line end: no hello is taken from behind it.
        let mut ovpn = vec![0, 0x72, 0x20];
        ovpn.extend_from_slice(&[
            0x50, 0x7a, 0x28, 0xa7, 0x82, 0x75, 0x78, 0x8d, 0, 0, 0, 0, 0, 1,
        ]);
        assert!(!synced(&ovpn));
        assert!(!synced(b"EHLO x"));
        assert!(!synced(&[0x30, 0x05, 1, 2]));
        assert!(!synced(&ldap[..ldap.len() - 1]));
    }

    #[test]
    fn non_tls_stream_gives_up_after_scan_limit() {
        let config = TlsConfig {
            max_sync_scan: 64,
            ..TlsConfig::default()
        };
        let mut p = TlsParser::new(config);
        let http = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(5);
        p.update(&http, &http);
        assert!(!p.is_tls());
        assert_eq!(
            p.stop_reason(Direction::ClientToServer),
            Some(&StopReason::NotTls)
        );
        assert!(p.is_final());
    }

    #[test]
    fn oversized_message_stops_direction() {
        let config = TlsConfig {
            max_handshake_message: 1000,
            ..TlsConfig::default()
        };
        let mut p = TlsParser::new(config);
        // A ClientHello header announcing 5000 bytes.
        let mut fragment = vec![1, 0, 0x13, 0x88, 3, 3];
        fragment.resize(300, 0);
        p.feed(Direction::ClientToServer, &record(22, &fragment));
        assert_eq!(
            p.stop_reason(Direction::ClientToServer),
            Some(&StopReason::MessageTooLarge)
        );
    }

    #[test]
    fn json_layout_matches_the_seed() {
        let mut p = TlsParser::new(TlsConfig::default());
        p.update(
            &record(22, &client_hello()),
            &record(22, &server_hello(0x008c, false)),
        );
        let json = serde_json::to_string(p.metadata()).unwrap();
        let keys = [
            "\"version\":771",
            "\"version_text\":\"TLS 1.2\"",
            "\"cipher\":140",
            "\"cipher_text\":\"TLS_PSK_WITH_AES_128_CBC_SHA\"",
            "\"handshake_complete\":false",
            "\"handshake_finished\":false",
            "\"client\":{\"ja3\":",
            "\"sni\":\"example.org\"",
            "\"supported_ciphers\":[\"TLS_AES_128_GCM_SHA256\",\"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\"]",
            "\"certificates\":[]},\"server\":{\"ja3s\":",
        ];
        let mut at = 0;
        for key in keys {
            let found = json[at..]
                .find(key)
                .unwrap_or_else(|| panic!("{key} in {json}"));
            at += found;
        }
        // Raw fingerprint strings only with the config flag.
        assert!(!json.contains("ja3_string") && !json.contains("ja3s_string"));
        let mut p = TlsParser::new(TlsConfig {
            fingerprint_strings: true,
            ..TlsConfig::default()
        });
        p.update(
            &record(22, &client_hello()),
            &record(22, &server_hello(0x008c, false)),
        );
        let json = serde_json::to_string(p.metadata()).unwrap();
        assert!(
            json.contains("\"ja3_string\":\"771,4865-49199,0-16,,\""),
            "{json}"
        );
        assert!(json.contains("\"ja3s_string\":\"771,140,65281\""), "{json}");
    }
}

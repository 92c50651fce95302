//! The `flow.tls` record block and the handshake state that fills it.
//!
//! [`HandshakeState`] is fed complete handshake messages and record-level
//! events by a framer (TLS over TCP in [`crate::tls`], DTLS in [`crate::dtls`],
//! QUIC CRYPTO frames in [`crate::quic`]); it owns all field semantics.

use serde::Serialize;

use crate::certificate::{summarize_certificate, CertificateSummary};
use crate::fingerprint::{ja3_string, ja3s_string, ja4, md5_hex, Transport};
use crate::hello::{
    is_grease, parse_client_hello, parse_server_hello, parse_sslv2_client_hello, ClientHello,
};
use crate::names::{cipher_text, version_text};
use crate::Direction;

/// Parser options (per daemon, copied into each flow's parser).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlsConfig {
    /// Also export the raw JA3/JA3S strings (`ja3_string`, `ja3s_string`) and `ja4_r`.
    pub fingerprint_strings: bool,
    /// Largest handshake message reassembled (bytes); bigger ones stop parsing that direction.
    pub max_handshake_message: usize,
    /// Certificates summarised per chain; the rest are counted, not parsed.
    pub max_certificates: usize,
    /// How far into a stream to look for the first TLS hello (STARTTLS preambles).
    pub max_sync_scan: usize,
}

impl Default for TlsConfig {
    fn default() -> Self {
        Self {
            fingerprint_strings: false,
            max_handshake_message: 64 * 1024,
            max_certificates: 8,
            max_sync_scan: 8 * 1024,
        }
    }
}

/// `flow.tls.client`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ClientInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3_string: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4_r: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sni: Option<String>,
    /// ALPN protocols offered, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alpn: Vec<String>,
    /// supported_versions offered (GREASE removed), in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub supported_versions: Vec<u16>,
    /// Offered cipher suites by IANA name (GREASE removed, order and duplicates kept).
    pub supported_ciphers: Vec<&'static str>,
    pub certificates: Vec<CertificateSummary>,
}

/// `flow.tls.server`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s_string: Option<String>,
    /// ALPN protocol chosen by the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpn: Option<String>,
    pub certificates: Vec<CertificateSummary>,
}

/// The `flow.tls` block. Keys serialise in the seed's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TlsMetadata {
    /// Negotiated version (ServerHello supported_versions, else its legacy_version).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u16>,
    /// Text of `version`; `unknown` before a ServerHello.
    pub version_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<u16>,
    /// IANA name of `cipher`, `UNKNOWN` when unregistered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher_text: Option<&'static str>,
    /// All cleartext handshake metadata of the server's flight has been parsed:
    /// ClientHello and ServerHello seen, and then either the version is TLS 1.3
    /// (everything after the ServerHello is encrypted), or the server sent
    /// ServerHelloDone (full TLS ≤ 1.2 handshake: its Certificate, if any, came
    /// before it), or the server sent ChangeCipherSpec (abbreviated/resumed handshake).
    pub handshake_complete: bool,
    /// Both directions have switched to protected records: each has sent
    /// ChangeCipherSpec or an ApplicationData record. No more cleartext
    /// handshake data can follow in either direction.
    pub handshake_finished: bool,
    pub client: ClientInfo,
    pub server: ServerInfo,
}

impl Default for TlsMetadata {
    fn default() -> Self {
        Self {
            version: None,
            version_text: version_text(0),
            cipher: None,
            cipher_text: None,
            handshake_complete: false,
            handshake_finished: false,
            client: ClientInfo::default(),
            server: ServerInfo::default(),
        }
    }
}

/// Handshake message types acted upon.
pub(crate) mod msg {
    pub const CLIENT_HELLO: u8 = 1;
    pub const SERVER_HELLO: u8 = 2;
    pub const CERTIFICATE: u8 = 11;
    pub const CERTIFICATE_REQUEST: u8 = 13;
    pub const SERVER_HELLO_DONE: u8 = 14;
}

/// Per-flow handshake progress plus the metadata being built.
#[derive(Debug, Clone)]
pub(crate) struct HandshakeState {
    pub(crate) config: TlsConfig,
    transport: Transport,
    pub(crate) meta: TlsMetadata,
    pub(crate) client_hello_seen: bool,
    pub(crate) server_hello_seen: bool,
    pub(crate) hello_retry_seen: bool,
    server_hello_done: bool,
    certificate_requested: bool,
    /// Per direction (client, server): ChangeCipherSpec seen.
    change_cipher_spec: [bool; 2],
    /// Per direction: ApplicationData record seen.
    application_data: [bool; 2],
    /// The pipeline's client/server guess was wrong (a mid-stream capture
    /// whose first packet came from the server): the ClientHello arrived as
    /// ServerToClient or the ServerHello as ClientToServer. Decided by the
    /// first hello; every later event is mapped through it.
    roles_swapped: Option<bool>,
    /// First parse error, for diagnostics.
    pub(crate) last_error: Option<crate::TlsError>,
}

fn idx(dir: Direction) -> usize {
    match dir {
        Direction::ClientToServer => 0,
        Direction::ServerToClient => 1,
    }
}

impl HandshakeState {
    pub(crate) fn new(config: TlsConfig, transport: Transport) -> Self {
        Self {
            config,
            transport,
            meta: TlsMetadata::default(),
            client_hello_seen: false,
            server_hello_seen: false,
            hello_retry_seen: false,
            server_hello_done: false,
            certificate_requested: false,
            change_cipher_spec: [false; 2],
            application_data: [false; 2],
            roles_swapped: None,
            last_error: None,
        }
    }

    /// True when the hellos showed that the caller's directions are reversed.
    pub(crate) fn roles_swapped(&self) -> bool {
        self.roles_swapped == Some(true)
    }

    /// The caller's direction mapped to the real client/server roles.
    fn role(&self, dir: Direction) -> Direction {
        if self.roles_swapped() {
            dir.reverse()
        } else {
            dir
        }
    }

    pub(crate) fn is_tls13(&self) -> bool {
        matches!(self.meta.version, Some(v) if v == 0x0304 || v == 0xfefc || v >> 8 == 0x7f || v >> 8 == 0xfb)
    }

    /// Whether handshake records in `dir` are encrypted from now on. In TLS ≤ 1.2
    /// everything after ChangeCipherSpec is; in TLS 1.3 handshake-type records
    /// stay cleartext (encrypted data uses ApplicationData records) and a
    /// compatibility ChangeCipherSpec may precede a second ClientHello/ServerHello.
    pub(crate) fn handshake_encrypted(&self, dir: Direction) -> bool {
        let dir = self.role(dir);
        self.change_cipher_spec[idx(dir)] && !self.is_tls13() && !self.hello_retry_seen
    }

    pub(crate) fn on_change_cipher_spec(&mut self, dir: Direction) {
        let dir = self.role(dir);
        self.change_cipher_spec[idx(dir)] = true;
        self.update_flags();
    }

    pub(crate) fn on_application_data(&mut self, dir: Direction) {
        let dir = self.role(dir);
        self.application_data[idx(dir)] = true;
        self.update_flags();
    }

    fn note_error(&mut self, error: crate::TlsError) {
        if self.last_error.is_none() {
            self.last_error = Some(error);
        }
    }

    /// One complete handshake message (`body` excludes the 4- or 12-byte header).
    pub(crate) fn on_handshake_message(&mut self, dir: Direction, msg_type: u8, body: &[u8]) {
        if self.roles_swapped.is_none() {
            self.roles_swapped = match (dir, msg_type) {
                (Direction::ServerToClient, msg::CLIENT_HELLO) => Some(true),
                (Direction::ClientToServer, msg::SERVER_HELLO) => Some(true),
                (_, msg::CLIENT_HELLO | msg::SERVER_HELLO) => Some(false),
                _ => None,
            };
        }
        let dir = self.role(dir);
        match (dir, msg_type) {
            (Direction::ClientToServer, msg::CLIENT_HELLO) => self.on_client_hello(body),
            (Direction::ServerToClient, msg::SERVER_HELLO) => self.on_server_hello(body),
            (_, msg::CERTIFICATE) => self.on_certificate(dir, body),
            (Direction::ServerToClient, msg::CERTIFICATE_REQUEST) => {
                self.certificate_requested = true
            }
            (Direction::ServerToClient, msg::SERVER_HELLO_DONE) => self.server_hello_done = true,
            _ => {}
        }
        self.update_flags();
    }

    fn on_client_hello(&mut self, body: &[u8]) {
        // Only the first ClientHello counts (a second one after a
        // HelloRetryRequest or a renegotiation would change the fingerprint).
        if self.client_hello_seen {
            return;
        }
        match parse_client_hello(body, self.transport == Transport::Dtls) {
            Ok(hello) => self.record_client_hello(hello, true),
            Err(e) => self.note_error(e),
        }
    }

    /// An SSL 2.0-format CLIENT-HELLO (`body` from its message type byte).
    /// JA3/JA3S/JA4 are defined on TLS ClientHellos only, so none is computed.
    pub(crate) fn on_sslv2_client_hello(&mut self, body: &[u8]) {
        if self.client_hello_seen {
            return;
        }
        match parse_sslv2_client_hello(body) {
            Ok(hello) => self.record_client_hello(hello, false),
            Err(e) => self.note_error(e),
        }
        self.update_flags();
    }

    fn record_client_hello(&mut self, hello: ClientHello, fingerprint: bool) {
        self.client_hello_seen = true;
        let client = &mut self.meta.client;
        if fingerprint {
            let ja3 = ja3_string(&hello);
            client.ja3 = Some(md5_hex(&ja3));
            let (ja4, ja4_raw) = ja4(&hello, self.transport);
            client.ja4 = Some(ja4);
            if self.config.fingerprint_strings {
                client.ja3_string = Some(ja3);
                client.ja4_r = Some(ja4_raw);
            }
        }
        client.supported_ciphers = hello
            .cipher_suites
            .iter()
            .filter(|c| !is_grease(**c))
            .map(|c| cipher_text(*c))
            .collect();
        client.supported_versions = hello
            .supported_versions
            .iter()
            .copied()
            .filter(|v| !is_grease(*v))
            .collect();
        client.sni = hello.sni;
        client.alpn = hello.alpn;
    }

    fn on_server_hello(&mut self, body: &[u8]) {
        if self.server_hello_seen {
            return;
        }
        let hello = match parse_server_hello(body) {
            Ok(h) => h,
            Err(e) => return self.note_error(e),
        };
        if hello.is_hello_retry_request {
            // Not the ServerHello: the real one follows the second ClientHello.
            self.hello_retry_seen = true;
            return;
        }
        self.server_hello_seen = true;
        let version = hello.negotiated_version();
        self.meta.version = Some(version);
        self.meta.version_text = version_text(version);
        self.meta.cipher = Some(hello.cipher_suite);
        self.meta.cipher_text = Some(cipher_text(hello.cipher_suite));
        let ja3s = ja3s_string(&hello);
        self.meta.server.ja3s = Some(md5_hex(&ja3s));
        if self.config.fingerprint_strings {
            self.meta.server.ja3s_string = Some(ja3s);
        }
        self.meta.server.alpn = hello.alpn;
    }

    fn on_certificate(&mut self, dir: Direction, body: &[u8]) {
        // TLS 1.3 certificates are encrypted; a cleartext Certificate message
        // there would be garbage (and has a different layout).
        if self.is_tls13() {
            return;
        }
        let list = match dir {
            Direction::ClientToServer => &self.meta.client.certificates,
            Direction::ServerToClient => &self.meta.server.certificates,
        };
        if !list.is_empty() {
            return;
        }
        let chain = match tls_parser::parse_tls_handshake_msg_certificate(body) {
            Ok((_, tls_parser::TlsMessageHandshake::Certificate(c))) => c.cert_chain,
            _ => {
                return self.note_error(crate::TlsError::Truncated("certificate chain"));
            }
        };
        let mut summaries = Vec::with_capacity(chain.len().min(self.config.max_certificates));
        for raw in chain.iter().take(self.config.max_certificates) {
            match summarize_certificate(raw.data) {
                Ok(s) => summaries.push(s),
                Err(e) => self.note_error(e),
            }
        }
        match dir {
            Direction::ClientToServer => self.meta.client.certificates = summaries,
            Direction::ServerToClient => self.meta.server.certificates = summaries,
        }
    }

    /// `dir` has switched to protected records. In TLS 1.3 ChangeCipherSpec is only a
    /// middlebox-compatibility no-op (sent around a HelloRetryRequest too), so there only
    /// ApplicationData records count.
    fn direction_protected(&self, dir: Direction) -> bool {
        self.application_data[idx(dir)]
            || (self.change_cipher_spec[idx(dir)] && !self.is_tls13() && !self.hello_retry_seen)
    }

    fn update_flags(&mut self) {
        let hellos = self.client_hello_seen && self.server_hello_seen;
        self.meta.handshake_complete = hellos
            && (self.is_tls13()
                || self.server_hello_done
                || self.change_cipher_spec[idx(Direction::ServerToClient)]);
        // Before both hellos nothing is finished: a HelloRetryRequest exchange has
        // ChangeCipherSpec both ways and the real ServerHello still to come.
        self.meta.handshake_finished = hellos
            && self.direction_protected(Direction::ClientToServer)
            && self.direction_protected(Direction::ServerToClient);
    }

    /// Whether the metadata can no longer change from further handshake data.
    pub(crate) fn is_final(&self) -> bool {
        if self.meta.handshake_finished {
            return true;
        }
        if !self.meta.handshake_complete {
            return false;
        }
        // With a CertificateRequest (TLS ≤ 1.2) the client's certificate comes
        // in its next flight, before its ChangeCipherSpec.
        !(self.certificate_requested
            && !self.is_tls13()
            && !self.direction_protected(Direction::ClientToServer))
    }
}

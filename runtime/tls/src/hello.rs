//! ClientHello / ServerHello body parsing into owned summaries.
//!
//! The bodies are parsed with [`Reader`](crate::reader::Reader) (every length
//! checked) rather than tls-parser's hello parsers because JA3/JA4 need the raw
//! extension list in wire order including unknown and GREASE types, DTLS adds a
//! cookie field, and TLS 1.3 drafts changed the ServerHello layout.

use crate::error::TlsError;
use crate::reader::{u16_list, Reader};

/// Extension type numbers used here.
pub(crate) mod ext {
    pub const SERVER_NAME: u16 = 0;
    pub const SUPPORTED_GROUPS: u16 = 10;
    pub const EC_POINT_FORMATS: u16 = 11;
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    pub const ALPN: u16 = 16;
    pub const SUPPORTED_VERSIONS: u16 = 43;
}

/// GREASE values (RFC 8701): 0x0a0a, 0x1a1a, …, 0xfafa.
pub fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && (value >> 8) == (value & 0xff)
}

/// What a ClientHello offers, in wire order (GREASE values included; the
/// fingerprint code decides what to drop).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (the record-independent hello version).
    pub legacy_version: u16,
    pub cipher_suites: Vec<u16>,
    pub extensions: Vec<u16>,
    /// First host_name entry of server_name, if any.
    pub sni: Option<String>,
    pub alpn: Vec<String>,
    pub supported_groups: Vec<u16>,
    pub ec_point_formats: Vec<u8>,
    pub signature_algorithms: Vec<u16>,
    pub supported_versions: Vec<u16>,
}

/// What a ServerHello selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerHello {
    pub legacy_version: u16,
    pub cipher_suite: u16,
    pub extensions: Vec<u16>,
    /// supported_versions extension (TLS 1.3): the negotiated version.
    pub selected_version: Option<u16>,
    pub alpn: Option<String>,
    /// A TLS 1.3 HelloRetryRequest (a ServerHello with the special random):
    /// not the real ServerHello.
    pub is_hello_retry_request: bool,
}

impl ServerHello {
    /// The negotiated version: supported_versions wins over legacy_version.
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.legacy_version)
    }
}

/// SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3.
const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

fn truncated(what: &'static str) -> TlsError {
    TlsError::Truncated(what)
}

/// Parse a ClientHello body (after the handshake header). `dtls` adds the cookie field.
pub fn parse_client_hello(body: &[u8], dtls: bool) -> Result<ClientHello, TlsError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16().ok_or(truncated("client_hello.version"))?;
    r.bytes(32).ok_or(truncated("client_hello.random"))?;
    r.vec8().ok_or(truncated("client_hello.session_id"))?;
    if dtls {
        r.vec8().ok_or(truncated("client_hello.cookie"))?;
    }
    let ciphers = r.vec16().ok_or(truncated("client_hello.cipher_suites"))?;
    r.vec8().ok_or(truncated("client_hello.compression"))?;
    let mut hello = ClientHello {
        legacy_version,
        cipher_suites: u16_list(ciphers).collect(),
        ..ClientHello::default()
    };
    // SSL 3.0 and early TLS clients may omit the extensions block entirely.
    if r.is_empty() {
        return Ok(hello);
    }
    // A block or extension cut short still yields the extensions before the
    // damage (lenient like tshark): the hello's ciphers and SNI stay useful.
    let Some(block_len) = r.u16() else {
        return Ok(hello);
    };
    let available = r.remaining().min(usize::from(block_len));
    let mut r = Reader::new(r.bytes(available).unwrap_or(&[]));
    while !r.is_empty() {
        let (Some(ext_type), Some(data)) = (r.u16(), r.vec16()) else {
            break;
        };
        hello.extensions.push(ext_type);
        // Malformed contents of one extension do not invalidate the hello:
        // the fingerprints only need its type.
        match ext_type {
            ext::SERVER_NAME if hello.sni.is_none() => hello.sni = parse_sni(data),
            ext::ALPN if hello.alpn.is_empty() => hello.alpn = parse_alpn(data),
            ext::SUPPORTED_GROUPS => hello.supported_groups = list16(data),
            ext::EC_POINT_FORMATS => {
                hello.ec_point_formats = Reader::new(data).vec8().unwrap_or(&[]).to_vec()
            }
            ext::SIGNATURE_ALGORITHMS => hello.signature_algorithms = list16(data),
            ext::SUPPORTED_VERSIONS => {
                hello.supported_versions =
                    u16_list(Reader::new(data).vec8().unwrap_or(&[])).collect()
            }
            _ => {}
        }
    }
    Ok(hello)
}

/// Parse a ServerHello body (after the handshake header).
pub fn parse_server_hello(body: &[u8]) -> Result<ServerHello, TlsError> {
    let mut r = Reader::new(body);
    let legacy_version = r.u16().ok_or(truncated("server_hello.version"))?;
    let random = r.bytes(32).ok_or(truncated("server_hello.random"))?;
    // TLS 1.3 drafts (0x7fNN) before draft 22 had no session id and no
    // compression byte; later drafts and the RFC use the TLS 1.2 layout.
    let is_early_draft = legacy_version >> 8 == 0x7f && (legacy_version & 0xff) < 22;
    if !is_early_draft {
        r.vec8().ok_or(truncated("server_hello.session_id"))?;
    }
    let cipher_suite = r.u16().ok_or(truncated("server_hello.cipher_suite"))?;
    if !is_early_draft {
        r.u8().ok_or(truncated("server_hello.compression"))?;
    }
    let mut hello = ServerHello {
        legacy_version,
        cipher_suite,
        is_hello_retry_request: random == HELLO_RETRY_REQUEST_RANDOM,
        ..ServerHello::default()
    };
    if r.is_empty() {
        return Ok(hello);
    }
    let extensions = r.vec16().ok_or(truncated("server_hello.extensions"))?;
    let mut r = Reader::new(extensions);
    while !r.is_empty() {
        let ext_type = r.u16().ok_or(truncated("extension.type"))?;
        let data = r.vec16().ok_or(truncated("extension.data"))?;
        hello.extensions.push(ext_type);
        match ext_type {
            ext::SUPPORTED_VERSIONS => {
                hello.selected_version = Reader::new(data).u16();
            }
            ext::ALPN => hello.alpn = parse_alpn(data).into_iter().next(),
            _ => {}
        }
    }
    Ok(hello)
}

/// Parse an SSL 2.0-format CLIENT-HELLO (RFC 5246 appendix E.2), the
/// backward-compatible hello old clients (and some malware) send. `body`
/// starts at the message type byte, after the 2-byte record header.
/// Only cipher specs that map to TLS suites (first byte 0) are kept; there
/// are no extensions, so no SNI.
pub fn parse_sslv2_client_hello(body: &[u8]) -> Result<ClientHello, TlsError> {
    let mut r = Reader::new(body);
    if r.u8() != Some(1) {
        return Err(TlsError::NotTls("not an SSLv2 CLIENT-HELLO"));
    }
    let legacy_version = r.u16().ok_or(truncated("sslv2_hello.version"))?;
    let (Some(specs_len), Some(session_len), Some(challenge_len)) = (r.u16(), r.u16(), r.u16())
    else {
        return Err(truncated("sslv2_hello.lengths"));
    };
    let specs = r
        .bytes(usize::from(specs_len))
        .ok_or(truncated("sslv2_hello.cipher_specs"))?;
    r.bytes(usize::from(session_len) + usize::from(challenge_len))
        .ok_or(truncated("sslv2_hello.challenge"))?;
    let cipher_suites = specs
        .chunks_exact(3)
        .filter(|spec| spec[0] == 0)
        .map(|spec| u16::from_be_bytes([spec[1], spec[2]]))
        .collect();
    Ok(ClientHello {
        legacy_version,
        cipher_suites,
        ..ClientHello::default()
    })
}

fn list16(data: &[u8]) -> Vec<u16> {
    u16_list(Reader::new(data).vec16().unwrap_or(&[])).collect()
}

/// First host_name (type 0) entry of a server_name extension.
fn parse_sni(data: &[u8]) -> Option<String> {
    let mut list = Reader::new(Reader::new(data).vec16()?);
    while !list.is_empty() {
        let name_type = list.u8()?;
        let name = list.vec16()?;
        if name_type == 0 {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
    }
    None
}

/// Protocol names of an ALPN extension, in order.
fn parse_alpn(data: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let Some(list) = Reader::new(data).vec16() else {
        return names;
    };
    let mut list = Reader::new(list);
    while let Some(name) = list.vec8() {
        names.push(String::from_utf8_lossy(name).into_owned());
    }
    names
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Build a ClientHello body: TLS 1.2 legacy version, given ciphers and
    /// (type, data) extensions.
    pub(crate) fn client_hello_body(ciphers: &[u16], extensions: &[(u16, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&[0x11; 32]);
        b.push(0);
        b.extend_from_slice(&((ciphers.len() * 2) as u16).to_be_bytes());
        for c in ciphers {
            b.extend_from_slice(&c.to_be_bytes());
        }
        b.extend_from_slice(&[1, 0]);
        let mut ext = Vec::new();
        for (t, d) in extensions {
            ext.extend_from_slice(&t.to_be_bytes());
            ext.extend_from_slice(&(d.len() as u16).to_be_bytes());
            ext.extend_from_slice(d);
        }
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
        b
    }

    pub(crate) fn sni_ext(name: &str) -> (u16, Vec<u8>) {
        let mut d = ((name.len() + 3) as u16).to_be_bytes().to_vec();
        d.push(0);
        d.extend_from_slice(&(name.len() as u16).to_be_bytes());
        d.extend_from_slice(name.as_bytes());
        (ext::SERVER_NAME, d)
    }

    pub(crate) fn alpn_ext(names: &[&str]) -> (u16, Vec<u8>) {
        let mut list = Vec::new();
        for n in names {
            list.push(n.len() as u8);
            list.extend_from_slice(n.as_bytes());
        }
        let mut d = (list.len() as u16).to_be_bytes().to_vec();
        d.extend_from_slice(&list);
        (ext::ALPN, d)
    }

    #[test]
    fn grease_values() {
        assert!(is_grease(0x0a0a));
        assert!(is_grease(0xfafa));
        assert!(!is_grease(0x0a1a));
        assert!(!is_grease(0x0017));
    }

    #[test]
    fn parses_client_hello_fields() {
        let body = client_hello_body(
            &[0x1a1a, 0x1301, 0xc02f],
            &[
                sni_ext("example.com"),
                alpn_ext(&["h2", "http/1.1"]),
                (ext::SUPPORTED_GROUPS, vec![0, 4, 0x2a, 0x2a, 0, 29]),
                (ext::EC_POINT_FORMATS, vec![1, 0]),
                (ext::SUPPORTED_VERSIONS, vec![4, 0x03, 0x04, 0x03, 0x03]),
            ],
        );
        let hello = parse_client_hello(&body, false).unwrap();
        assert_eq!(hello.sni.as_deref(), Some("example.com"));
        assert_eq!(hello.alpn, ["h2", "http/1.1"]);
        assert_eq!(hello.cipher_suites, [0x1a1a, 0x1301, 0xc02f]);
        assert_eq!(hello.extensions, [0, 16, 10, 11, 43]);
        assert_eq!(hello.supported_groups, [0x2a2a, 29]);
        assert_eq!(hello.ec_point_formats, [0]);
        assert_eq!(hello.supported_versions, [0x0304, 0x0303]);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let body = client_hello_body(&[0x1301], &[sni_ext("a.example"), alpn_ext(&["h2"])]);
        for cut in 0..body.len() {
            let _ = parse_client_hello(&body[..cut], false);
            let _ = parse_client_hello(&body[..cut], true);
            let _ = parse_server_hello(&body[..cut]);
        }
        assert!(parse_client_hello(&body[..10], false).is_err());
        // Cut inside the extensions: the hello is kept with the extensions before the cut.
        let cut = parse_client_hello(&body[..body.len() - 3], false).unwrap();
        assert_eq!(cut.extensions, [0]);
        assert_eq!(cut.sni.as_deref(), Some("a.example"));
    }

    #[test]
    fn sslv2_client_hello() {
        // From suricata-verify tls-glupteba: version 0x0301, two specs (one SSLv2-only).
        let body = [
            1, 3, 1, 0, 6, 0, 0, 0, 1, 0, 0, 0x39, 0x07, 0x00, 0xc0, 0xaa,
        ];
        let hello = parse_sslv2_client_hello(&body).unwrap();
        assert_eq!(hello.legacy_version, 0x0301);
        assert_eq!(hello.cipher_suites, [0x0039]);
        assert!(parse_sslv2_client_hello(&body[..8]).is_err());
    }

    #[test]
    fn server_hello_retry_request_is_flagged() {
        let mut b = vec![0x03, 0x03];
        b.extend_from_slice(&HELLO_RETRY_REQUEST_RANDOM);
        b.extend_from_slice(&[0, 0x13, 0x01, 0]);
        b.extend_from_slice(&[0, 6, 0, 43, 0, 2, 3, 4]);
        let sh = parse_server_hello(&b).unwrap();
        assert!(sh.is_hello_retry_request);
        assert_eq!(sh.negotiated_version(), 0x0304);
        assert_eq!(sh.extensions, [43]);
    }
}

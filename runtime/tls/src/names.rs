//! Human-readable names for TLS versions and cipher suites.

use tls_parser::TlsCipherSuite;

/// Text for a (negotiated) version number: `SSL 3.0`, `TLS 1.0` … `TLS 1.3`,
/// `TLS 1.3 draft-NN` (Suricata's spelling), `DTLS 1.0/1.2/1.3`, otherwise `unknown`
/// (the seed's spelling).
pub fn version_text(version: u16) -> String {
    match version {
        0x0002 => "SSL 2.0".into(),
        0x0300 => "SSL 3.0".into(),
        0x0301 => "TLS 1.0".into(),
        0x0302 => "TLS 1.1".into(),
        0x0303 => "TLS 1.2".into(),
        0x0304 => "TLS 1.3".into(),
        0xfeff => "DTLS 1.0".into(),
        0xfefd => "DTLS 1.2".into(),
        0xfefc => "DTLS 1.3".into(),
        v if v >> 8 == 0x7f => format!("TLS 1.3 draft-{}", v & 0xff),
        // Facebook's experimental TLS 1.3 (draft 23 and 26 based).
        v if v >> 8 == 0xfb => format!("TLS 1.3 draft-{} (fb)", v & 0xff),
        _ => "unknown".into(),
    }
}

/// IANA name of a cipher suite (tls-parser's table is generated from the IANA
/// registry). Unregistered values (including GREASE) give `UNKNOWN`, the seed's spelling.
pub fn cipher_text(cipher: u16) -> &'static str {
    TlsCipherSuite::from_id(cipher).map_or("UNKNOWN", |suite| suite.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(version_text(0x0303), "TLS 1.2");
        assert_eq!(version_text(0x7f1c), "TLS 1.3 draft-28");
        assert_eq!(version_text(0xfefd), "DTLS 1.2");
        assert_eq!(version_text(0x1234), "unknown");
        assert_eq!(cipher_text(0x008c), "TLS_PSK_WITH_AES_128_CBC_SHA");
        assert_eq!(cipher_text(0x1301), "TLS_AES_128_GCM_SHA256");
        assert_eq!(cipher_text(0xc0ad), "TLS_ECDHE_ECDSA_WITH_AES_256_CCM");
        assert_eq!(cipher_text(0x0a0a), "UNKNOWN");
        assert_eq!(cipher_text(0x0018), "TLS_DH_anon_WITH_RC4_128_MD5");
    }
}

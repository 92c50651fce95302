//! X.509 certificate summaries for the `certificates[]` arrays.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use serde::Serialize;
use sha1::{Digest, Sha1};
use x509_parser::asn1_rs::Oid;
use x509_parser::oid_registry::{
    OidRegistry, OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_NIST_EC_P521,
};
use x509_parser::prelude::{ASN1Time, FromDer, GeneralName, X509Certificate, X509Name};

use crate::error::TlsError;
use x509_parser::public_key::PublicKey;

/// Distinguished-name fields exported for subject and issuer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NameSummary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// One certificate, as exported in `client.certificates[]` / `server.certificates[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CertificateSummary {
    /// DNS-type subjectAltNames, in order.
    pub alt_names: Vec<String>,
    /// IP-address subjectAltNames, in order (textual IPv4/IPv6; beyond the seed,
    /// which dropped them). Omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alt_ips: Vec<String>,
    /// SHA-1 of the whole DER certificate: 40 lower-case hex digits, no colons.
    #[serde(rename = "SHA1")]
    pub sha1: String,
    /// ISO 8601 UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub not_before: String,
    pub not_after: String,
    /// X.509 version number (v3 → 3).
    pub version: u32,
    /// Public key size in bits (RSA modulus, EC curve order size, DSA p); omitted when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_key_size: Option<u32>,
    /// e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256` (dotted OID when unnamed).
    pub signature_algorithm: String,
    /// e.g. `rsaEncryption`, `id-ecPublicKey`, `ed25519` (dotted OID when unnamed).
    pub public_key_algorithm: String,
    /// Serial as `openssl x509 -serial` prints it: upper-case hex, no colons,
    /// DER sign byte (leading 00) dropped, `00` for zero.
    pub serial: String,
    /// basicConstraints CA flag (false when the extension is absent).
    pub certificate_authority: bool,
    pub subject: NameSummary,
    pub issuer: NameSummary,
}

static OID_NAMES: LazyLock<OidRegistry<'static>> =
    LazyLock::new(|| OidRegistry::default().with_crypto().with_x509());

fn oid_name(oid: &Oid) -> String {
    OID_NAMES
        .get(oid)
        .map_or_else(|| oid.to_id_string(), |entry| entry.sn().to_owned())
}

/// Summarise one DER certificate. Errors only when the DER does not parse as X.509.
pub fn summarize_certificate(der: &[u8]) -> Result<CertificateSummary, TlsError> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| TlsError::Certificate(e.to_string()))?;
    let mut summary = CertificateSummary {
        sha1: hex_lower(&Sha1::digest(der)),
        not_before: iso8601(&cert.validity().not_before),
        not_after: iso8601(&cert.validity().not_after),
        version: cert.version().0.saturating_add(1),
        public_key_size: public_key_bits(&cert),
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        public_key_algorithm: oid_name(&cert.public_key().algorithm.algorithm),
        serial: openssl_serial(cert.raw_serial()),
        certificate_authority: cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca),
        subject: name_summary(cert.subject()),
        issuer: name_summary(cert.issuer()),
        ..CertificateSummary::default()
    };
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => summary.alt_names.push((*dns).to_owned()),
                GeneralName::IPAddress(bytes) => {
                    if let Some(ip) = ip_from_bytes(bytes) {
                        summary.alt_ips.push(ip.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    Ok(summary)
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    match bytes.len() {
        4 => <[u8; 4]>::try_from(bytes)
            .ok()
            .map(|a| Ipv4Addr::from(a).into()),
        16 => <[u8; 16]>::try_from(bytes)
            .ok()
            .map(|a| Ipv6Addr::from(a).into()),
        _ => None,
    }
}

fn hex_lower(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Upper-case hex of a DER INTEGER's value bytes without the sign byte(s).
pub fn openssl_serial(raw: &[u8]) -> String {
    let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
    let value = raw.get(start..).unwrap_or(&[]);
    if value.is_empty() {
        return "00".to_owned();
    }
    let mut s = String::with_capacity(value.len() * 2);
    for b in value {
        let _ = write!(s, "{b:02X}");
    }
    s
}

fn iso8601(time: &ASN1Time) -> String {
    let t = time.to_datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Key size in bits: RSA modulus bit length, EC by named curve (point size
/// otherwise), DSA by its public value.
fn public_key_bits(cert: &X509Certificate) -> Option<u32> {
    let spki = cert.public_key();
    if spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok());
        match curve {
            Some(c) if c == OID_EC_P256 => return Some(256),
            Some(c) if c == OID_NIST_EC_P384 => return Some(384),
            Some(c) if c == OID_NIST_EC_P521 => return Some(521),
            _ => {}
        }
    }
    let bits = match spki.parsed().ok()? {
        PublicKey::RSA(rsa) => significant_bits(rsa.modulus),
        other => other.key_size(),
    };
    u32::try_from(bits).ok().filter(|b| *b > 0)
}

/// Bit length of a big-endian unsigned integer (leading zero bytes and bits ignored).
fn significant_bits(bytes: &[u8]) -> usize {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    match bytes.get(start) {
        Some(first) => (bytes.len() - start - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    }
}

fn name_summary(name: &X509Name) -> NameSummary {
    let text = |attr: Option<&x509_parser::x509::AttributeTypeAndValue>| {
        attr.map(|a| match a.as_str() {
            Ok(s) => s.to_owned(),
            Err(_) => decode_other_string(a.as_slice()),
        })
    };
    NameSummary {
        common_name: text(name.iter_common_name().next()),
        organization: text(name.iter_organization().next()),
        country: text(name.iter_country().next()),
    }
}

/// BMPString (UTF-16BE) or anything else: best-effort text.
fn decode_other_string(bytes: &[u8]) -> String {
    if bytes.len().is_multiple_of(2) && bytes.first() == Some(&0) {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_formats() {
        assert_eq!(openssl_serial(&[0x00, 0x8a, 0x07]), "8A07");
        assert_eq!(openssl_serial(&[0x00]), "00");
        assert_eq!(openssl_serial(&[]), "00");
        assert_eq!(openssl_serial(&[0x03, 0xde]), "03DE");
    }

    #[test]
    fn bit_lengths() {
        assert_eq!(significant_bits(&[0x00, 0x80, 0, 0]), 24);
        assert_eq!(significant_bits(&[0x01, 0]), 9);
        assert_eq!(significant_bits(&[0, 0]), 0);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(summarize_certificate(&[0x30, 0x03, 0x02, 0x01]).is_err());
        assert!(summarize_certificate(&[]).is_err());
    }
}

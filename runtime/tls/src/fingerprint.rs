//! JA3 / JA3S (Salesforce) and JA4 (FoxIO) client fingerprints.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use crate::hello::{ext, is_grease, ClientHello, ServerHello};

/// Transport that carried the hello; JA4's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TLS over TCP (`t`).
    Tcp,
    /// QUIC (`q`).
    Quic,
    /// DTLS over UDP (`d`).
    Dtls,
}

/// Append `values` as decimal joined with `-` (JA3 list syntax).
fn push_decimal_list<T: Copy + Into<u32>>(out: &mut String, values: impl Iterator<Item = T>) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push('-');
        }
        let _ = write!(out, "{}", v.into());
    }
}

/// JA3 string: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`,
/// with GREASE removed from ciphers, extensions and curves; every other
/// extension kept in wire order.
pub fn ja3_string(hello: &ClientHello) -> String {
    let mut s = String::with_capacity(256);
    let _ = write!(s, "{},", hello.legacy_version);
    let not_grease = |v: &&u16| !is_grease(**v);
    push_decimal_list(
        &mut s,
        hello.cipher_suites.iter().filter(not_grease).copied(),
    );
    s.push(',');
    push_decimal_list(&mut s, hello.extensions.iter().filter(not_grease).copied());
    s.push(',');
    push_decimal_list(
        &mut s,
        hello.supported_groups.iter().filter(not_grease).copied(),
    );
    s.push(',');
    push_decimal_list(&mut s, hello.ec_point_formats.iter().copied());
    s
}

/// JA3S string: `SSLVersion,Cipher,Extensions` (legacy version, GREASE removed).
pub fn ja3s_string(hello: &ServerHello) -> String {
    let mut s = String::with_capacity(64);
    let _ = write!(s, "{},{},", hello.legacy_version, hello.cipher_suite);
    push_decimal_list(
        &mut s,
        hello.extensions.iter().filter(|v| !is_grease(**v)).copied(),
    );
    s
}

/// Lower-case hex MD5 of a fingerprint string.
pub fn md5_hex(s: &str) -> String {
    format!("{:x}", md5::compute(s.as_bytes()))
}

/// JA4 version code of a TLS/DTLS version number.
fn ja4_version(version: u16) -> &'static str {
    match version {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// JA4's two ALPN characters: first and last character of the first ALPN
/// value; hex of its first and last byte when either is not alphanumeric;
/// `00` without ALPN.
fn ja4_alpn(hello: &ClientHello) -> [char; 2] {
    let Some(first) = hello.alpn.first().map(String::as_bytes) else {
        return ['0', '0'];
    };
    let (Some(&a), Some(&b)) = (first.first(), first.last()) else {
        return ['0', '0'];
    };
    if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() {
        return [a as char, b as char];
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [
        HEX[(a >> 4) as usize] as char,
        HEX[(b & 0xf) as usize] as char,
    ]
}

/// First 12 hex characters of SHA-256, or `000000000000` for an empty input list.
fn truncated_sha256(input: &str) -> String {
    if input.is_empty() {
        return "000000000000".to_owned();
    }
    let digest = Sha256::digest(input.as_bytes());
    let mut s = String::with_capacity(12);
    for b in digest.iter().take(6) {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn hex4_list(values: &[u16]) -> String {
    let mut s = String::with_capacity(values.len() * 5);
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{v:04x}");
    }
    s
}

/// The JA4 fingerprint (`JA4_a_JA4_b_JA4_c`) and its raw form (`JA4_r`, the
/// same with the sorted lists instead of their hashes).
pub fn ja4(hello: &ClientHello, transport: Transport) -> (String, String) {
    let mut ciphers: Vec<u16> = hello
        .cipher_suites
        .iter()
        .copied()
        .filter(|c| !is_grease(*c))
        .collect();
    let all_extensions = hello.extensions.iter().filter(|e| !is_grease(**e)).count();
    // The highest non-GREASE supported_versions entry wins over legacy_version.
    let version = hello
        .supported_versions
        .iter()
        .copied()
        .filter(|v| !is_grease(*v))
        .max_by_key(|v| version_rank(*v))
        .unwrap_or(hello.legacy_version);
    let sni = if hello.extensions.contains(&ext::SERVER_NAME) {
        'd'
    } else {
        'i'
    };
    let alpn = ja4_alpn(hello);
    let prefix = match transport {
        Transport::Tcp => 't',
        Transport::Quic => 'q',
        Transport::Dtls => 'd',
    };
    let ja4_a = format!(
        "{prefix}{}{sni}{:02}{:02}{}{}",
        ja4_version(version),
        ciphers.len().min(99),
        all_extensions.min(99),
        alpn[0],
        alpn[1]
    );
    ciphers.sort_unstable();
    let cipher_list = hex4_list(&ciphers);
    // SNI and ALPN are excluded from the extension hash (they are in JA4_a).
    let mut extensions: Vec<u16> = hello
        .extensions
        .iter()
        .copied()
        .filter(|e| !is_grease(*e) && *e != ext::SERVER_NAME && *e != ext::ALPN)
        .collect();
    extensions.sort_unstable();
    let mut extension_list = hex4_list(&extensions);
    if !hello.signature_algorithms.is_empty() && !extension_list.is_empty() {
        extension_list.push('_');
        extension_list.push_str(&hex4_list(&hello.signature_algorithms));
    }
    let hashed = format!(
        "{ja4_a}_{}_{}",
        truncated_sha256(&cipher_list),
        truncated_sha256(&extension_list)
    );
    let raw = format!("{ja4_a}_{cipher_list}_{extension_list}");
    (hashed, raw)
}

/// Order of versions for "highest": DTLS numbers count down, TLS up.
fn version_rank(v: u16) -> u32 {
    match v {
        0xfeff => 0x0302,
        0xfefd => 0x0303,
        0xfefc => 0x0304,
        _ => u32::from(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chrome's ClientHello from the FoxIO JA4 README (JA4_r given there).
    fn chrome_hello() -> ClientHello {
        ClientHello {
            legacy_version: 0x0303,
            cipher_suites: vec![
                0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8,
                0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035,
            ],
            extensions: vec![
                0x1a1a, 0x0000, 0x0017, 0xff01, 0x000a, 0x000b, 0x0023, 0x0010, 0x0005, 0x000d,
                0x0012, 0x0033, 0x002d, 0x002b, 0x001b, 0x0015, 0x4469, 0x2a2a,
            ],
            sni: Some("example.com".into()),
            alpn: vec!["h2".into(), "http/1.1".into()],
            supported_groups: vec![0x3a3a, 29, 23, 24],
            ec_point_formats: vec![0],
            signature_algorithms: vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            supported_versions: vec![0x7a7a, 0x0304, 0x0303],
        }
    }

    #[test]
    fn ja4_foxio_readme_example() {
        let (ja4, raw) = ja4(&chrome_hello(), Transport::Tcp);
        assert_eq!(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
        assert_eq!(
            raw,
            "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_\
             0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_\
             0403,0804,0401,0503,0805,0501,0806,0601"
        );
    }

    #[test]
    fn ja4_no_sni_http1_quic() {
        let mut hello = chrome_hello();
        hello.extensions.retain(|e| *e != ext::SERVER_NAME);
        hello.sni = None;
        hello.alpn = vec!["http/1.1".into()];
        let (ja4, _) = ja4(&hello, Transport::Quic);
        assert!(ja4.starts_with("q13i1515h1_8daaf6152771_"), "{ja4}");
    }

    #[test]
    fn ja4_no_extensions_no_alpn() {
        let hello = ClientHello {
            legacy_version: 0x0301,
            cipher_suites: vec![0x002f],
            ..ClientHello::default()
        };
        let (ja4, raw) = ja4(&hello, Transport::Tcp);
        assert!(ja4.starts_with("t10i010000_"), "{ja4}");
        assert!(ja4.ends_with("_000000000000"), "{ja4}");
        assert_eq!(raw, "t10i010000_002f_");
    }

    #[test]
    fn ja4_counts_cap_at_99_and_non_alphanumeric_alpn_uses_hex() {
        let hello = ClientHello {
            legacy_version: 0x0303,
            cipher_suites: (1..=150).collect(),
            extensions: (100..300).collect(),
            alpn: vec!["\u{1}x\u{2}".into()],
            ..ClientHello::default()
        };
        let (ja4, _) = ja4(&hello, Transport::Dtls);
        assert!(ja4.starts_with("d12i999902_"), "{ja4}");
    }

    #[test]
    fn ja3_removes_grease_everywhere() {
        let s = ja3_string(&chrome_hello());
        assert_eq!(
            s,
            "771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,\
             0-23-65281-10-11-35-16-5-13-18-51-45-43-27-21-17513,29-23-24,0"
        );
        assert_eq!(md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
    }

    #[test]
    fn ja3s_string_matches_suricata_test() {
        // suricata-verify tls-ja3s: "771,49199,65281-0-11-16-23" -> 5d79edf64e03689ff559a54e9d9487bc
        let sh = ServerHello {
            legacy_version: 771,
            cipher_suite: 49199,
            extensions: vec![65281, 0, 11, 16, 23],
            ..ServerHello::default()
        };
        assert_eq!(ja3s_string(&sh), "771,49199,65281-0-11-16-23");
        assert_eq!(
            md5_hex(&ja3s_string(&sh)),
            "5d79edf64e03689ff559a54e9d9487bc"
        );
    }
}

//! Shared helpers of the corpus tests: oracle formats, flow lookup, the
//! agreement tally, and the list of understood disagreements.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use flowsieve_tls::{NameSummary, TlsConfig};

use super::Flow;

pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn tls_config() -> TlsConfig {
    TlsConfig {
        fingerprint_strings: true,
        ..TlsConfig::default()
    }
}

/// Per-field agreement counters and the list of disagreements.
#[derive(Default)]
pub struct Tally {
    pub fields: BTreeMap<String, (usize, usize)>,
    pub mismatches: Vec<String>,
}

impl Tally {
    pub fn check(&mut self, context: &str, field: &str, expected: &str, actual: &str) {
        let entry = self.fields.entry(field.to_owned()).or_default();
        entry.1 += 1;
        if expected == actual {
            entry.0 += 1;
        } else {
            self.mismatches.push(format!(
                "{context} {field}: oracle {expected:?} ours {actual:?}"
            ));
        }
    }

    pub fn print(&self, title: &str) {
        println!("\n== {title}: field agreement ==");
        for (field, (ok, total)) in &self.fields {
            println!("  {field:<22} {ok:>4}/{total:<4}");
        }
        for m in &self.mismatches {
            println!("  MISMATCH {m}");
        }
    }
}

/// Disagreements that are understood; each names the flow and the reason.
/// A mismatch not listed here fails the test.
pub const EXPLAINED: &[(&str, &str)] = &[
    (
        "doq.pcapng udp ::1:47826->::1:784 cert#0 cert.present",
        "QUIC (TLS 1.3) sends certificates in Handshake packets, encrypted with handshake keys. \
         tshark decrypted them with the key log stored in the pcapng's Decryption Secrets Block; \
         an on-path observer has no such keys, so we (correctly) export no certificate.",
    ),
    (
        "quic-v2.pcapng udp ::1:42086->::1:4443 cert#0 cert.present",
        "Same as doq.pcapng: the capture embeds TLS secrets (pcapng DSB) that tshark used.",
    ),
    (
        "tls_invalid_reads.pcap tcp 192.168.10.101:3967->206.33.61.113:443 ja3",
        "Malformed ClientHello (bytes after the compression methods that are not a valid \
         extensions block). tshark prints a 3-field JA3 string `769,<ciphers>,`, which is not \
         the JA3 format; ours is the 5-field Salesforce form with empty lists. nDPI reports no JA3.",
    ),
    (
        "tls_invalid_reads.pcap tcp 10.191.139.17:58552->54.221.224.45:443 ja3",
        "GTP-tunnelled ClientHello whose extension list overruns the message. tshark gives up on \
         JA3 (null); we fingerprint the extensions before the damage, and nDPI's expected output \
         (result/tls_invalid_reads.pcap.out) has the same JA3C, 9d5430e6dfce44459702b74d790df353.",
    ),
    (
        "tcp-fastopen-10-syn-data-ignore [\"tls.sni\", \"tls.version\"] suricata.count: oracle \"2\" ours \"1\"",
        "The capture holds ONE connection (one 5-tuple, one client ISN 2633933729: a TFO SYN \
         with data retransmitted, several SYN-ACKs with two different ISNs, then the handshake). \
         Suricata >= 8.0.3 logs two tls events for it; we produce one flow, and that flow has \
         sni icloud.com and TLS 1.3 as expected (it also needs the multiple-SYN-ACK handling).",
    ),
    (
        "tls_tls-altname-zero/input.pcap tcp 192.168.134.106:23481->72.16.54.30:443 cert#0 cert.san_dns",
        "Suricata's altname-zero test injects a NUL byte into one DNS SAN (server15...). openssl \
         prints no SAN list for that certificate, so the oracle has none; we keep all 17 names in \
         order, the NUL kept in the string (JSON escapes it as \\u0000), instead of the seed's \
         truncation at the first NUL.",
    ),
    (
        "tls_tls13-draft22/tls13_draft22.pcap tcp 127.0.0.1:41752->127.0.0.1:4433 ja3s",
        "The server's first ServerHello is a HelloRetryRequest (random = SHA-256 of \
         \"HelloRetryRequest\", extensions 43-40). The tshark oracle fingerprints the first \
         ServerHello it sees, i.e. the HRR; we fingerprint the real ServerHello that follows \
         (extensions 40-43), since taking the HRR as the ServerHello is a seed defect.",
    ),
];

pub fn explained(mismatch: &str) -> bool {
    EXPLAINED
        .iter()
        .any(|(needle, _)| mismatch.contains(needle))
}

pub fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

pub fn hex16(v: Option<u16>) -> String {
    v.map(|v| format!("0x{v:04x}")).unwrap_or_default()
}

/// openssl `-nameopt sep_comma_plus_space` DN text -> first value per key.
/// Commas inside values are not escaped by that option, so a new attribute
/// starts only at ", KEY=" (or " + KEY=" for multi-valued RDNs).
pub fn parse_dn(dn: &str) -> BTreeMap<String, String> {
    let starts_attribute = |rest: &str| {
        rest.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
        })
    };
    let mut parts: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < dn.len() {
        let rest = &dn[i..];
        let sep = [", ", " + "].into_iter().find(|sep| rest.starts_with(sep));
        if let Some(sep) = sep.filter(|sep| starts_attribute(&rest[sep.len()..])) {
            parts.push(std::mem::take(&mut current));
            i += sep.len();
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        current.push(c);
        i += c.len_utf8();
    }
    parts.push(current);
    let mut map = BTreeMap::new();
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            map.entry(k.trim().to_owned())
                .or_insert_with(|| v.to_owned());
        }
    }
    map
}

pub fn name_string(n: &NameSummary) -> String {
    format!(
        "CN={}|O={}|C={}",
        n.common_name.clone().unwrap_or_default(),
        n.organization.clone().unwrap_or_default(),
        n.country.clone().unwrap_or_default()
    )
}

pub fn dn_string(dn: &str) -> String {
    let m = parse_dn(dn);
    let get = |k: &str| m.get(k).cloned().unwrap_or_default();
    format!("CN={}|O={}|C={}", get("CN"), get("O"), get("C"))
}

/// "Mar 10 19:38:28 2022 GMT" -> "2022-03-10T19:38:28Z".
pub fn openssl_date_to_iso(s: &str) -> String {
    let f: Vec<&str> = s.split_whitespace().collect();
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (Some(mon), Some(day), Some(time), Some(year)) = (f.first(), f.get(1), f.get(2), f.get(3))
    else {
        return s.to_owned();
    };
    let m = months.iter().position(|x| x == mon).map_or(0, |i| i + 1);
    format!(
        "{year}-{m:02}-{:02}T{time}Z",
        day.parse::<u32>().unwrap_or(0)
    )
}

pub fn port_of(endpoint: &str) -> &str {
    endpoint.rsplit_once(':').map_or("", |(_, p)| p)
}

/// The nth flow with these endpoints. tshark names a tunnelled flow by its
/// outer IPv4 address in some captures (6in4), so fall back to matching the
/// ports alone when that is unambiguous.
pub fn find_flow<'a>(
    flows: &'a [Flow],
    l4: &str,
    client: &str,
    server: &str,
    nth: usize,
) -> Option<&'a Flow> {
    let same_l4 = |f: &&Flow| (l4 == "tcp") == f.tcp;
    if let Some(f) = flows
        .iter()
        .filter(same_l4)
        .filter(|f| f.client_str() == client && f.server_str() == server)
        .nth(nth)
    {
        return Some(f);
    }
    let by_port: Vec<&Flow> = flows
        .iter()
        .filter(same_l4)
        .filter(|f| {
            f.client.1.to_string() == port_of(client) && f.server.1.to_string() == port_of(server)
        })
        .collect();
    match by_port.as_slice() {
        [only] if nth == 0 => Some(*only),
        _ => None,
    }
}

//! Corpus agreement test: every capture in tests/data (copied from
//! shared/corpus) is run through StreamPrefix + TlsParser / QuicParser /
//! DtlsParser exactly as the pipeline drives them, and each flow is compared
//! with tshark+openssl (ndpi/oracle/*.jsonl) and with Suricata's expectations
//! (suricata/EXPECTED_TLS.jsonl). Run with `--nocapture` to see the table.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use common::{run_capture, Flow};
use flowsieve_tls::{CertificateSummary, NameSummary, StreamPrefixConfig, TlsConfig, TlsMetadata};
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn tls_config() -> TlsConfig {
    TlsConfig {
        fingerprint_strings: true,
        ..TlsConfig::default()
    }
}

/// Per-field agreement counters and the list of disagreements.
#[derive(Default)]
struct Tally {
    fields: BTreeMap<String, (usize, usize)>,
    mismatches: Vec<String>,
}

impl Tally {
    fn check(&mut self, context: &str, field: &str, expected: &str, actual: &str) {
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

    fn print(&self, title: &str) {
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
const EXPLAINED: &[(&str, &str)] = &[
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

fn explained(mismatch: &str) -> bool {
    EXPLAINED
        .iter()
        .any(|(needle, _)| mismatch.contains(needle))
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn hex16(v: Option<u16>) -> String {
    v.map(|v| format!("0x{v:04x}")).unwrap_or_default()
}

/// openssl `-nameopt sep_comma_plus_space` DN text -> first value per key.
/// Commas inside values are not escaped by that option, so a new attribute
/// starts only at ", KEY=" (or " + KEY=" for multi-valued RDNs).
fn parse_dn(dn: &str) -> BTreeMap<String, String> {
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

fn name_string(n: &NameSummary) -> String {
    format!(
        "CN={}|O={}|C={}",
        n.common_name.clone().unwrap_or_default(),
        n.organization.clone().unwrap_or_default(),
        n.country.clone().unwrap_or_default()
    )
}

fn dn_string(dn: &str) -> String {
    let m = parse_dn(dn);
    let get = |k: &str| m.get(k).cloned().unwrap_or_default();
    format!("CN={}|O={}|C={}", get("CN"), get("O"), get("C"))
}

/// "Mar 10 19:38:28 2022 GMT" -> "2022-03-10T19:38:28Z".
fn openssl_date_to_iso(s: &str) -> String {
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

fn compare_certificate(
    t: &mut Tally,
    ctx: &str,
    oracle: &Value,
    ours: Option<&CertificateSummary>,
) {
    let s = |k: &str| {
        oracle
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let Some(c) = ours else {
        t.check(ctx, "cert.present", "yes", "no");
        return;
    };
    t.check(ctx, "cert.present", "yes", "yes");
    t.check(ctx, "cert.sha1", &s("sha1"), &c.sha1);
    t.check(ctx, "cert.serial", &s("serial"), &c.serial);
    t.check(
        ctx,
        "cert.not_before",
        &openssl_date_to_iso(&s("notBefore")),
        &c.not_before,
    );
    t.check(
        ctx,
        "cert.not_after",
        &openssl_date_to_iso(&s("notAfter")),
        &c.not_after,
    );
    t.check(
        ctx,
        "cert.subject",
        &dn_string(&s("subject")),
        &name_string(&c.subject),
    );
    t.check(
        ctx,
        "cert.issuer",
        &dn_string(&s("issuer")),
        &name_string(&c.issuer),
    );
    let sans: Vec<String> = oracle
        .get("san")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let dns: Vec<&str> = sans.iter().filter_map(|s| s.strip_prefix("DNS:")).collect();
    t.check(ctx, "cert.san_dns", &dns.join(","), &c.alt_names.join(","));
    let ips: Vec<String> = sans
        .iter()
        .filter_map(|s| s.strip_prefix("IP Address:"))
        .filter_map(|s| s.parse::<IpAddr>().ok())
        .map(|ip| ip.to_string())
        .collect();
    t.check(ctx, "cert.san_ip", &ips.join(","), &c.alt_ips.join(","));
}

fn compare_flow(t: &mut Tally, ctx: &str, oracle: &Value, meta: Option<&TlsMetadata>) {
    let s = |k: &str| {
        oracle
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let Some(m) = meta else {
        t.check(ctx, "flow.found", "tls", "none");
        return;
    };
    t.check(ctx, "flow.found", "tls", "tls");
    t.check(ctx, "ja3", &s("ja3"), &opt(&m.client.ja3));
    t.check(
        ctx,
        "ja3_string",
        &s("ja3_full"),
        &opt(&m.client.ja3_string),
    );
    t.check(ctx, "sni", &s("sni"), &opt(&m.client.sni));
    t.check(
        ctx,
        "alpn_offered",
        &s("alpn_offered"),
        &m.client.alpn.join("|"),
    );
    if oracle.get("ja3s").is_some_and(|v| !v.is_null()) {
        t.check(ctx, "ja3s", &s("ja3s"), &opt(&m.server.ja3s));
        t.check(
            ctx,
            "ja3s_string",
            &s("ja3s_full"),
            &opt(&m.server.ja3s_string),
        );
    }
    if oracle.get("version").is_some_and(|v| !v.is_null()) {
        t.check(ctx, "version", &s("version"), &hex16(m.version));
    }
    if oracle.get("cipher").is_some_and(|v| !v.is_null()) {
        t.check(ctx, "cipher", &s("cipher"), &hex16(m.cipher));
    }
    if let Some(certs) = oracle.get("certs").and_then(Value::as_array) {
        for (i, cert) in certs.iter().enumerate() {
            let ours = m.server.certificates.get(i);
            compare_certificate(t, &format!("{ctx} cert#{i}"), cert, ours);
        }
    }
}

fn port_of(endpoint: &str) -> &str {
    endpoint.rsplit_once(':').map_or("", |(_, p)| p)
}

/// The nth flow with these endpoints. tshark names a tunnelled flow by its
/// outer IPv4 address in some captures (6in4), so fall back to matching the
/// ports alone when that is unambiguous.
fn find_flow<'a>(
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

/// Compare every flow of one capture with its tshark oracle lines.
fn compare_capture_with_tshark(
    tally: &mut Tally,
    finals: &mut FinalCheck,
    pcap: &Path,
    oracle_path: &Path,
) {
    let file = pcap.file_name().and_then(|s| s.to_str()).unwrap_or("");
    let name = match pcap
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|s| s.to_str())
    {
        Some("ndpi") | None => file.to_owned(),
        Some(test) => format!("{test}/{file}"),
    };
    let flows = run_capture(pcap, StreamPrefixConfig::default(), tls_config());
    finals.check(&name, &flows);
    let text = std::fs::read_to_string(oracle_path).expect("oracle");
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for line in text.lines() {
        let oracle: Value = serde_json::from_str(line).expect("oracle json");
        let get = |k: &str| {
            oracle
                .get(k)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        // Tunnelled flows list "outer|inner" addresses; we key on the inner one.
        let inner = |s: String| match s.rsplit_once('|') {
            Some((_, last)) => last.to_owned(),
            None => s,
        };
        let (l4, client, server) = (get("l4"), inner(get("client")), inner(get("server")));
        if client.is_empty() {
            continue; // a ServerHello-only stream: the oracle has no client side
        }
        let n = seen
            .entry((l4.clone(), client.clone(), server.clone()))
            .or_default();
        let flow = find_flow(&flows, &l4, &client, &server, *n);
        *n += 1;
        let ctx = format!("{name} {l4} {client}->{server}");
        compare_flow(tally, &ctx, &oracle, flow.and_then(Flow::metadata));
    }
}

/// is_final() must mean what it says: once it held, no field changes any more
/// (handshake_finished excepted: it is a live flag, documented as such).
#[derive(Default)]
struct FinalCheck {
    tls_flows: usize,
    final_flows: usize,
    changed_after_final: Vec<String>,
}

impl FinalCheck {
    fn check(&mut self, capture: &str, flows: &[Flow]) {
        for flow in flows {
            let Some(end) = flow.metadata() else { continue };
            self.tls_flows += 1;
            let Some(snapshot) = &flow.final_snapshot else {
                continue;
            };
            self.final_flows += 1;
            let mut snapshot = snapshot.clone();
            snapshot.handshake_finished = end.handshake_finished;
            if &snapshot != end {
                self.changed_after_final
                    .push(format!("{capture} {}", flow.client_str()));
            }
        }
    }
}

#[test]
fn captures_agree_with_tshark_oracle() {
    let mut tally = Tally::default();
    let mut finals = FinalCheck::default();
    let ndpi = data_dir().join("ndpi");
    let mut pairs: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(ndpi.join("oracle"))
        .expect("oracle dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .map(|oracle| {
            let pcap = ndpi.join(oracle.file_stem().unwrap_or_default());
            (pcap, oracle)
        })
        .collect();
    // suricata/<test>/<pcap>.oracle_tshark_tls.jsonl sits next to its capture.
    for dir in std::fs::read_dir(data_dir().join("suricata"))
        .expect("suricata dir")
        .flatten()
    {
        for file in std::fs::read_dir(dir.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            let name = path.file_name().and_then(|s| s.to_str()).unwrap_or("");
            if let Some(stem) = name.strip_suffix(".oracle_tshark_tls.jsonl") {
                pairs.push((dir.path().join(format!("{stem}.pcap")), path.clone()));
            }
        }
    }
    pairs.sort();
    assert!(
        pairs.len() >= 60,
        "test data missing: {} captures",
        pairs.len()
    );
    for (pcap, oracle) in &pairs {
        compare_capture_with_tshark(&mut tally, &mut finals, pcap, oracle);
    }
    tally.print(&format!("{} captures vs tshark/openssl", pairs.len()));
    println!(
        "  is_final: {} of {} TLS flows became final; changed after final: {:?}",
        finals.final_flows, finals.tls_flows, finals.changed_after_final
    );
    assert!(finals.changed_after_final.is_empty());
    let unexplained: Vec<&String> = tally.mismatches.iter().filter(|m| !explained(m)).collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained mismatches",
        unexplained.len()
    );
}

/// Directory holding a Suricata test's pcap (three tests share one capture).
fn suricata_pcap(test: &str, pcap: &str) -> Option<PathBuf> {
    let dir = data_dir().join("suricata");
    let test_dir = match test {
        "tls_tls-subject" | "tls_tls-cert-validity" => "tls_tls-cert-issuer",
        other => other,
    };
    let path = dir.join(test_dir).join(pcap);
    path.exists().then_some(path)
}

/// Does our flow satisfy every checkable key of a Suricata expectation?
/// Returns None when the expectation has no key we export.
fn suricata_match(
    flow: &Flow,
    m: &TlsMetadata,
    expect: &serde_json::Map<String, Value>,
) -> Option<bool> {
    let mut checked = false;
    let mut all = true;
    let mut eq = |a: &str, b: &str| {
        checked = true;
        all &= a == b;
    };
    let serial = |s: &str| {
        let hex: String = s.split(':').collect();
        let trimmed = hex.trim_start_matches("00");
        if trimmed.is_empty() {
            "00".to_owned()
        } else {
            trimmed.to_owned()
        }
    };
    let server_cert = m.server.certificates.first();
    let client_cert = m.client.certificates.first();
    for (key, value) in expect {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            _ => continue,
        };
        match key.as_str() {
            "src_ip" => eq(
                &text
                    .parse::<IpAddr>()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                &flow.client.0.to_string(),
            ),
            "dest_ip" => eq(
                &text
                    .parse::<IpAddr>()
                    .map(|i| i.to_string())
                    .unwrap_or_default(),
                &flow.server.0.to_string(),
            ),
            "src_port" => eq(&text, &flow.client.1.to_string()),
            "dest_port" => eq(&text, &flow.server.1.to_string()),
            "tls.sni" => eq(&text, &opt(&m.client.sni)),
            "tls.version" => {
                let expected = match text.as_str() {
                    "TLSv1" => "TLS 1.0".to_owned(),
                    "UNDETERMINED" => "unknown".to_owned(),
                    other => other.to_owned(),
                };
                eq(&expected, &m.version_text);
            }
            "tls.subject" => eq(
                &dn_string(&text),
                &server_cert
                    .map(|c| name_string(&c.subject))
                    .unwrap_or_default(),
            ),
            "tls.issuerdn" => eq(
                &dn_string(&text),
                &server_cert
                    .map(|c| name_string(&c.issuer))
                    .unwrap_or_default(),
            ),
            "tls.serial" => eq(
                &serial(&text),
                &server_cert.map(|c| c.serial.clone()).unwrap_or_default(),
            ),
            "tls.fingerprint" => eq(
                &text.replace(':', ""),
                &server_cert.map(|c| c.sha1.clone()).unwrap_or_default(),
            ),
            "tls.notbefore" => eq(
                &format!("{text}Z"),
                &server_cert
                    .map(|c| c.not_before.clone())
                    .unwrap_or_default(),
            ),
            "tls.notafter" => eq(
                &format!("{text}Z"),
                &server_cert.map(|c| c.not_after.clone()).unwrap_or_default(),
            ),
            "tls.client.serial" => eq(
                &serial(&text),
                &client_cert.map(|c| c.serial.clone()).unwrap_or_default(),
            ),
            "tls.client.notbefore" => eq(
                &format!("{text}Z"),
                &client_cert
                    .map(|c| c.not_before.clone())
                    .unwrap_or_default(),
            ),
            "tls.client.notafter" => eq(
                &format!("{text}Z"),
                &client_cert.map(|c| c.not_after.clone()).unwrap_or_default(),
            ),
            "tls.ja3.hash" => eq(&text, &opt(&m.client.ja3)),
            "tls.ja3.string" => eq(&text, &opt(&m.client.ja3_string)),
            "tls.ja3s.hash" => eq(&text, &opt(&m.server.ja3s)),
            "tls.ja3s.string" => eq(&text, &opt(&m.server.ja3s_string)),
            "tls.ja4" | "quic.ja4" => eq(&text, &opt(&m.client.ja4)),
            k if k.starts_with("tls.subjectaltname[") => {
                let i: usize = k
                    .trim_start_matches("tls.subjectaltname[")
                    .trim_end_matches(']')
                    .parse()
                    .unwrap_or(usize::MAX);
                eq(
                    &text,
                    &server_cert
                        .and_then(|c| c.alt_names.get(i).cloned())
                        .unwrap_or_default(),
                );
            }
            _ => {}
        }
    }
    let exported = expect
        .keys()
        .any(|k| k.starts_with("tls.") || k.starts_with("quic.ja4"));
    (checked && exported).then_some(all)
}

#[test]
fn suricata_expectations_hold() {
    let text = std::fs::read_to_string(data_dir().join("suricata/EXPECTED_TLS.jsonl"))
        .expect("expected file");
    let mut tally = Tally::default();
    let mut cache: BTreeMap<PathBuf, Vec<Flow>> = BTreeMap::new();
    for line in text.lines() {
        let entry: Value = serde_json::from_str(line).expect("json");
        let test = entry["test"].as_str().unwrap_or("");
        let pcap = entry["pcap"].as_str().unwrap_or("");
        let expected_count = entry["count"].as_u64().unwrap_or(0) as usize;
        let Some(expect) = entry["match"].as_object() else {
            continue;
        };
        let event = expect
            .get("event_type")
            .and_then(Value::as_str)
            .unwrap_or("");
        // Expectations for older Suricata behaviour ("lt-version") and absent events are skipped.
        let outdated = entry["requires"].get("lt-version").is_some();
        if !matches!(event, "tls" | "quic") || outdated || expected_count == 0 {
            continue;
        }
        let Some(path) = suricata_pcap(test, pcap) else {
            println!("  (skipped {test}: capture not copied)");
            continue;
        };
        let flows = cache
            .entry(path.clone())
            .or_insert_with(|| run_capture(&path, StreamPrefixConfig::default(), tls_config()));
        let mut checkable = false;
        let mut matched = 0;
        for flow in flows.iter().filter(|f| f.tcp == (event == "tls")) {
            let Some(m) = flow.metadata() else { continue };
            if let Some(ok) = suricata_match(flow, m, expect) {
                checkable = true;
                matched += usize::from(ok);
            }
        }
        if !checkable && flows.iter().all(|f| f.metadata().is_none()) {
            checkable = true; // no TLS found at all: a failure, not a skip
        }
        if checkable {
            let keys: Vec<&str> = expect
                .keys()
                .map(String::as_str)
                .filter(|k| k.starts_with("tls.") || k.starts_with("quic."))
                .collect();
            tally.check(
                &format!("{test} {keys:?}"),
                "suricata.count",
                &expected_count.to_string(),
                &matched.to_string(),
            );
        }
    }
    tally.print("Suricata expectations");
    assert!(tally
        .fields
        .get("suricata.count")
        .is_some_and(|(_, total)| *total >= 25));
    let unexplained: Vec<&String> = tally.mismatches.iter().filter(|m| !explained(m)).collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained mismatches",
        unexplained.len()
    );
}

/// DTLS: no tshark oracle for this capture; the expected values are nDPI's
/// (ndpi/result/dtls_certificate_fragments.pcap.out). The first flow's
/// certificate is fragmented over several DTLS records.
#[test]
fn dtls_certificate_fragments_match_ndpi() {
    let flows = run_capture(
        &data_dir().join("ndpi/dtls_certificate_fragments.pcap"),
        StreamPrefixConfig::default(),
        tls_config(),
    );
    let expected = [
        (
            "10.186.198.149:39347",
            "3c3d129780d0066cd8936a6291a8d44f",
            "d45798bc098cd930de7eb2f5f866e994",
            "2f5f3393de4e8bea8719431a7a28c233fb10b3a0",
            "*.opera-mini.net",
            "Opera Max CA",
        ),
        (
            "192.168.1.26:43594",
            "681eb4fb79ccb6d60d35fa502c279d42",
            "201fdaa63db9a086f36651aa4cfd0819",
            "0ca245e64a06b031c6bfb6c51baea0a38e41b23c",
            "*.discord.gg",
            "Sectigo RSA Domain Validation Secure Server CA",
        ),
    ];
    for (client, ja3, ja3s, sha1, subject_cn, issuer_cn) in expected {
        let flow = flows
            .iter()
            .find(|f| f.client_str() == client)
            .expect("flow");
        assert!(matches!(flow.inspector, common::Inspector::Dtls(_)));
        let m = flow.metadata().expect("dtls metadata");
        assert_eq!(m.client.ja3.as_deref(), Some(ja3), "{client}");
        assert_eq!(m.server.ja3s.as_deref(), Some(ja3s), "{client}");
        let cert = m.server.certificates.first().expect("server certificate");
        assert_eq!(cert.sha1, sha1, "{client}");
        assert_eq!(cert.subject.common_name.as_deref(), Some(subject_cn));
        assert_eq!(cert.issuer.common_name.as_deref(), Some(issuer_cn));
        assert!(
            m.client.ja4.as_deref().is_some_and(|j| j.starts_with("dd")),
            "{client}"
        );
    }
}

/// JA4 cross-check against nDPI 4.11's expected output (ndpi/ndpi_result/*.ja4.txt,
/// extracted from result/*.out). nDPI is not the truth for two parts, which
/// are masked and only reported:
/// * the ALPN characters: the spec takes the first and last character of the
///   first ALPN value (`h1` for http/1.1, `h9` for h3-29); nDPI takes the
///   first two (`ht`, `h3`, `sp`) and writes `h0` for some h2/h3 offers;
/// * the SNI character: it writes `d` for all 159 flows, including ClientHellos
///   without a server_name extension (no_sni.pcap, ESNI, STARTTLS, DTLS), where
///   the spec says `i`. Ours follows the spec and is tied to the SNI that agrees
///   with tshark on every flow.
///
/// Every other part (protocol, version, counts, both hashes) must agree.
#[test]
fn ja4_agrees_with_ndpi_outside_the_alpn_characters() {
    let dir = data_dir().join("ndpi");
    let mut tally = Tally::default();
    let mut alpn_chars = (0, 0);
    let mut sni_char = (0, 0);
    let mut alpn_differences: BTreeMap<String, usize> = BTreeMap::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("ndpi_result"))
        .expect("ndpi_result dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    for file in files {
        let name = file.file_name().and_then(|s| s.to_str()).unwrap_or("");
        let pcap = name.trim_end_matches(".ja4.txt");
        let flows = run_capture(&dir.join(pcap), StreamPrefixConfig::default(), tls_config());
        let text = std::fs::read_to_string(&file).expect("ja4 list");
        for line in text.lines() {
            let fields: Vec<&str> = line.split(' ').collect();
            let [l4, client, server, expected] = fields[..] else {
                continue;
            };
            let strip = |s: &str| s.replace(['[', ']'], "");
            let (client, server) = (strip(client), strip(server));
            let ctx = format!("{pcap} {client}->{server}");
            // nDPI names mid-stream flows by the first packet seen: try both orders.
            let l4 = l4.to_lowercase();
            let ours = find_flow(&flows, &l4, &client, &server, 0)
                .or_else(|| find_flow(&flows, &l4, &server, &client, 0))
                .and_then(Flow::metadata)
                .and_then(|m| m.client.ja4.clone())
                .unwrap_or_default();
            let masked = |j: &str| {
                let mut s = j.to_owned();
                if s.len() > 10 {
                    s.replace_range(8..10, "..");
                    s.replace_range(3..4, ".");
                }
                s
            };
            tally.check(
                &ctx,
                "ja4 (sni+alpn masked)",
                &masked(expected),
                &masked(&ours),
            );
            sni_char.1 += 1;
            sni_char.0 += usize::from(expected.get(3..4) == ours.get(3..4));
            alpn_chars.1 += 1;
            alpn_chars.0 += usize::from(expected.get(8..10) == ours.get(8..10));
            if expected.get(8..10) != ours.get(8..10) {
                let pair = format!(
                    "{}->{}",
                    expected.get(8..10).unwrap_or(""),
                    ours.get(8..10).unwrap_or("")
                );
                *alpn_differences.entry(pair).or_insert(0usize) += 1;
            }
        }
    }
    tally.print("JA4 vs nDPI");
    println!("  ja4 alpn chars equal to nDPI's: {}/{} (nDPI writes `ht` for http/1.1); nDPI->ours: {alpn_differences:?}", alpn_chars.0, alpn_chars.1);
    println!(
        "  ja4 sni char equal to nDPI's: {}/{} (nDPI always writes `d`)",
        sni_char.0, sni_char.1
    );
    assert!(tally.fields.values().all(|(_, total)| *total >= 100));
    let unexplained: Vec<&String> = tally.mismatches.iter().filter(|m| !explained(m)).collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained mismatches",
        unexplained.len()
    );
}

//! Suricata's expectations (suricata/EXPECTED_TLS.jsonl, from suricata-verify
//! test.yaml files): per expectation, the number of our flows that satisfy
//! every field we export must equal Suricata's event count.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use common::oracle::*;
use common::{run_capture, Flow};
use flowsieve_tls::{StreamPrefixConfig, TlsMetadata};
use serde_json::Value;

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

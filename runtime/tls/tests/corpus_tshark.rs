//! Corpus agreement with tshark 4.0 + openssl: every nDPI capture with an
//! oracle (ndpi/oracle/*.jsonl) and every Suricata capture with one
//! (suricata/*/*.oracle_tshark_tls.jsonl) is run through the crate exactly as
//! the pipeline drives it, and each flow's fields are compared.
//! Run with `--nocapture` to see the agreement table.

mod common;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use common::oracle::*;
use common::{run_capture, Flow};
use flowsieve_tls::{CertificateSummary, StreamPrefixConfig, TlsMetadata};
use serde_json::Value;

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
    for flow in flows.iter().filter(|f| f.roles_swapped()) {
        println!(
            "  roles swapped by the parser: {name} {}",
            flow.client_str()
        );
    }
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
        let stream = oracle.get("stream").and_then(Value::as_u64).unwrap_or(0) as usize;
        let (flow, ctx) = if client.is_empty() {
            // No TLS ClientHello for tshark (an SSLv2-format hello, or none
            // captured): the line names only tshark's stream index, which
            // counts TCP connections in order of their first packet, as our list does.
            let flow = flows.iter().filter(|f| f.tcp == (l4 == "tcp")).nth(stream);
            (flow, format!("{name} {l4} stream#{stream}"))
        } else {
            let n = seen
                .entry((l4.clone(), client.clone(), server.clone()))
                .or_default();
            let flow = find_flow(&flows, &l4, &client, &server, *n);
            *n += 1;
            (flow, format!("{name} {l4} {client}->{server}"))
        };
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
    never_final: Vec<String>,
}

impl FinalCheck {
    fn check(&mut self, capture: &str, flows: &[Flow]) {
        for flow in flows {
            let Some(end) = flow.metadata() else { continue };
            self.tls_flows += 1;
            let Some(snapshot) = &flow.final_snapshot else {
                self.never_final.push(format!(
                    "{capture} {} (complete={} server_certs={} version={:?})",
                    flow.client_str(),
                    end.handshake_complete,
                    end.server.certificates.len(),
                    end.version
                ));
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
    for flow in &finals.never_final {
        println!("    not final at end of capture: {flow}");
    }
    assert!(finals.changed_after_final.is_empty());
    // Guard against a harness regression that silently compares nothing.
    for (field, minimum) in [
        ("ja3", 190),
        ("ja3s", 175),
        ("sni", 190),
        ("cert.sha1", 135),
    ] {
        let total = tally.fields.get(field).map_or(0, |(_, total)| *total);
        assert!(total >= minimum, "only {total} {field} comparisons");
    }
    assert!(
        finals.final_flows >= 170,
        "is_final held for {} flows",
        finals.final_flows
    );
    let unexplained: Vec<&String> = tally.mismatches.iter().filter(|m| !explained(m)).collect();
    assert!(
        unexplained.is_empty(),
        "{} unexplained mismatches",
        unexplained.len()
    );
}

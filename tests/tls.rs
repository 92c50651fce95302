//! The `tls` block of real flows, through the whole pipeline, against tshark + openssl
//! (tests/data/oracle/tshark_tls: one JSON line per TLS/QUIC flow of nDPI's and Suricata's
//! captures) and against Suricata's own expectations (suricata_expected_tls.jsonl).

mod common;

use std::collections::{BTreeMap, HashMap};

use common::*;
use serde_json::Value;

/// Unordered endpoints + transport: how an oracle flow finds ours.
type Key = (String, (String, u64), (String, u64));

/// "ip:port"; for tunnelled flows tshark lists "outer|inner" addresses: the inner one is
/// the flow.
fn endpoint(s: &str) -> (String, u64) {
    let (ip, port) = s.rsplit_once(':').unwrap_or((s, "0"));
    let ip = ip.rsplit('|').next().unwrap_or(ip);
    (
        ip.trim_matches(|c| c == '[' || c == ']').to_string(),
        port.parse().unwrap_or(0),
    )
}

fn key(l4: &str, a: (String, u64), b: (String, u64)) -> Key {
    if a <= b {
        (l4.to_string(), a, b)
    } else {
        (l4.to_string(), b, a)
    }
}

/// Our flow_end records that carry a tls block, by key, in start order.
fn our_tls_flows(records: &[Value]) -> HashMap<Key, Vec<Value>> {
    let mut m: HashMap<Key, Vec<Value>> = HashMap::new();
    for r in records.iter().filter(|r| kind(r) == "flow_end") {
        let ep = |k: &str| {
            (
                s(r, &[k, "ip"]).as_str().unwrap_or("").to_string(),
                u(r, &[k, "port"]),
            )
        };
        let l4 = s(r, &["flow", "transport"])
            .as_str()
            .unwrap_or("")
            .to_string();
        m.entry(key(&l4, ep("source"), ep("destination")))
            .or_default()
            .push(r.clone());
    }
    for v in m.values_mut() {
        v.sort_by_key(|r| s(r, &["flow", "start_ts"]).as_i64());
    }
    m
}

fn hex16(v: &Value) -> Option<u64> {
    v.as_str()
        .and_then(|h| u64::from_str_radix(h.trim_start_matches("0x"), 16).ok())
}

/// Compares one oracle flow with ours; returns (field, agrees) pairs.
fn compare(o: &Value, ours: Option<&Value>) -> Vec<(&'static str, bool, String)> {
    let mut out = Vec::new();
    let Some(r) = ours else {
        out.push(("flow found", false, String::new()));
        return out;
    };
    out.push(("flow found", true, String::new()));
    let t = s(r, &["flow", "tls"]);
    let mut check = |field: &'static str, want: Option<String>, got: Option<String>| {
        if want.is_some() {
            let ok = want == got;
            out.push((field, ok, format!("tshark {want:?}, flowsieve {got:?}")));
        }
    };
    let st = |v: &Value| v.as_str().filter(|x| !x.is_empty()).map(str::to_string);
    check("ja3", st(&o["ja3"]), st(&t["client"]["ja3"]));
    check("ja3s", st(&o["ja3s"]), st(&t["server"]["ja3s"]));
    check("sni", st(&o["sni"]), st(&t["client"]["sni"]));
    check(
        "version",
        hex16(&o["version"]).map(|v| v.to_string()),
        t["version"].as_u64().map(|v| v.to_string()),
    );
    check(
        "cipher",
        hex16(&o["cipher"]).map(|v| v.to_string()),
        t["cipher"].as_u64().map(|v| v.to_string()),
    );
    let alpn = t["client"]["alpn"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join("|")
        })
        .filter(|a| !a.is_empty());
    check("alpn offered", st(&o["alpn_offered"]), alpn);
    if let Some(certs) = o["certs"].as_array().filter(|c| !c.is_empty()) {
        let want: Vec<String> = certs
            .iter()
            .filter_map(|c| st(&c["sha1"]))
            .map(|h| h.to_lowercase())
            .collect();
        let got: Vec<String> = t["server"]["certificates"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| st(&c["SHA1"])).collect())
            .unwrap_or_default();
        // We summarise at most 8 certificates per chain.
        let n = want.len().min(8);
        check(
            "certificate SHA1s",
            Some(want[..n].join(",")),
            Some(got.join(",")),
        );
        let want_serial = certs.first().and_then(|c| st(&c["serial"]));
        let got_serial = t["server"]["certificates"][0]["serial"]
            .as_str()
            .map(str::to_string);
        check("leaf serial", want_serial, got_serial);
        // Every summarised certificate: subject and issuer (CN, O, C), validity, DNS SANs.
        let ours = t["server"]["certificates"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        for (w, g) in certs.iter().zip(ours.iter()).take(n) {
            for (field, key) in [("cert subject", "subject"), ("cert issuer", "issuer")] {
                let dn = dn_parts(w[key].as_str().unwrap_or(""));
                let want = format!("{:?}/{:?}/{:?}", dn.get("CN"), dn.get("O"), dn.get("C"));
                let gs = |k: &str| g[key][k].as_str().map(str::to_string);
                let got = format!(
                    "{:?}/{:?}/{:?}",
                    gs("common_name"),
                    gs("organization"),
                    gs("country")
                );
                check(field, Some(want), Some(got));
            }
            check(
                "cert not_before",
                openssl_date(&w["notBefore"]),
                st(&g["not_before"]),
            );
            check(
                "cert not_after",
                openssl_date(&w["notAfter"]),
                st(&g["not_after"]),
            );
            let sans: Vec<String> = w["san"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str()?.strip_prefix("DNS:").map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let ours_sans: Vec<String> = g["alt_names"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            check(
                "cert DNS SANs",
                Some(sans.join(",")),
                Some(ours_sans.join(",")),
            );
        }
    }
    out
}

/// "C=US, O=DigiCert Inc, CN=Name, With Comma" -> first value of each attribute. A part
/// that does not start with `KEY=` continues the previous value.
fn dn_parts(dn: &str) -> HashMap<String, String> {
    let mut parts: Vec<String> = Vec::new();
    for p in dn.split(", ") {
        let is_attr = p
            .split_once('=')
            .is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric()));
        match parts.last_mut() {
            Some(last) if !is_attr => {
                last.push_str(", ");
                last.push_str(p);
            }
            _ => parts.push(p.to_string()),
        }
    }
    let mut m = HashMap::new();
    for p in parts {
        if let Some((k, v)) = p.split_once('=') {
            m.entry(k.to_string()).or_insert_with(|| v.to_string());
        }
    }
    m
}

/// openssl's "Mar  7 00:00:00 2019 GMT" as "2019-03-07T00:00:00Z".
fn openssl_date(v: &Value) -> Option<String> {
    let f: Vec<&str> = v.as_str()?.split_whitespace().collect();
    let [mon, day, time, year, ..] = f.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = months.iter().position(|x| x == mon)? + 1;
    Some(format!(
        "{year}-{m:02}-{:02}T{time}Z",
        day.parse::<u32>().ok()?
    ))
}

/// Differences explained once, by (capture, field): tshark is not the truth there.
const KNOWN: &[(&str, &str, &str)] = &[
    // QUIC certificates are encrypted; tshark decrypted them with secrets stored in the file.
    (
        "doq.pcapng",
        "certificate SHA1s",
        "QUIC certificates are encrypted on the wire",
    ),
    (
        "doq.pcapng",
        "leaf serial",
        "QUIC certificates are encrypted on the wire",
    ),
    (
        "quic_0RTT.pcap",
        "certificate SHA1s",
        "QUIC certificates are encrypted on the wire",
    ),
    (
        "quic_0RTT.pcap",
        "leaf serial",
        "QUIC certificates are encrypted on the wire",
    ),
    // Malformed ClientHellos: tshark prints a 3-field JA3 for one and none for the other.
    (
        "tls_invalid_reads.pcap",
        "ja3",
        "malformed ClientHello; nDPI agrees with us",
    ),
    // QUIC certificates are encrypted (tshark used the keys stored in the capture).
    (
        "quic-v2.pcapng",
        "certificate SHA1s",
        "QUIC certificates are encrypted on the wire",
    ),
    (
        "quic-v2.pcapng",
        "leaf serial",
        "QUIC certificates are encrypted on the wire",
    ),
    // A SAN list with a NUL byte injected into a name: openssl prints no SAN at all; we keep
    // the names (the NUL JSON-escaped), as Suricata's tls-altname-zero test expects.
    (
        "tls_tls-altname-zero.pcap",
        "cert DNS SANs",
        "openssl stops at the NUL byte",
    ),
    // tshark fingerprints the HelloRetryRequest as if it were the ServerHello.
    (
        "tls_tls13-draft22.pcap",
        "ja3s",
        "tshark takes the HelloRetryRequest for the ServerHello",
    ),
];

#[test]
fn tls_fields_match_tshark_and_openssl() {
    let mut per_field: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut explained = 0;
    let mut oracle_flows = 0;
    let mut unmatched_oracle = 0;
    for folder in ["ndpi", "suricata"] {
        let dir = data(&format!("oracle/tshark_tls/{folder}"));
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .expect("oracle dir")
            .filter_map(|e| e.ok())
            .collect();
        files.sort_by_key(|e| e.file_name());
        for f in files {
            let name = f
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".jsonl")
                .to_string();
            let capture = data(&format!("corpus/{folder}/{name}"));
            let run = run(&capture, &[]);
            assert!(
                matches!(run.status, Some(0) | Some(3)),
                "{name}: {}",
                run.stderr
            );
            let ours = our_tls_flows(&run.records);
            let text = std::fs::read_to_string(f.path()).expect("oracle file");
            let mut oracle: HashMap<Key, Vec<Value>> = HashMap::new();
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let o: Value = serde_json::from_str(line).expect("oracle JSON");
                let k = key(
                    o["l4"].as_str().unwrap_or("tcp"),
                    endpoint(o["client"].as_str().unwrap_or("")),
                    endpoint(o["server"].as_str().unwrap_or("")),
                );
                oracle.entry(k).or_default().push(o);
            }
            for (k, os) in &oracle {
                if k.1 .0.is_empty() {
                    // tshark saw only one side and printed no endpoints: nothing to match on.
                    unmatched_oracle += os.len();
                    continue;
                }
                let mut os = os.clone();
                os.sort_by_key(|o| o["first_frame"].as_u64());
                // By addresses and ports; else by ports alone when that is unique (the
                // oracle pairs 6in4's outer IPv4 addresses with the inner TCP ports).
                let mine = ours.get(k).cloned().unwrap_or_else(|| {
                    let same_ports: Vec<&Vec<Value>> = ours
                        .iter()
                        .filter(|(ok, _)| ok.0 == k.0 && ok.1 .1 == k.1 .1 && ok.2 .1 == k.2 .1)
                        .map(|(_, v)| v)
                        .collect();
                    match same_ports.as_slice() {
                        [one] => (*one).clone(),
                        _ => Vec::new(),
                    }
                });
                for (i, o) in os.iter().enumerate() {
                    oracle_flows += 1;
                    for (field, ok, detail) in compare(o, mine.get(i)) {
                        let e = per_field.entry(field).or_default();
                        e.1 += 1;
                        if ok {
                            e.0 += 1;
                        } else if KNOWN.iter().any(|(c, fl, _)| *c == name && *fl == field) {
                            explained += 1;
                        } else {
                            failures.push(format!("{name} {k:?}: {field}: {detail}"));
                        }
                    }
                }
            }
        }
    }
    println!("field agreement with tshark + openssl over {oracle_flows} flows:");
    for (f, (ok, n)) in &per_field {
        println!("  {f:<18} {ok}/{n}");
    }
    println!(
        "explained differences: {explained}; oracle flows without endpoints: {unmatched_oracle}"
    );
    assert!(oracle_flows > 190, "only {oracle_flows} oracle flows");
    assert!(
        failures.is_empty(),
        "{} unexplained differences:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn suricata_expectations_hold() {
    let text =
        std::fs::read_to_string(data("oracle/suricata_expected_tls.jsonl")).expect("expectations");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let e: Value = serde_json::from_str(line).expect("json");
        let test = e["test"].as_str().unwrap_or("");
        let capture = data(&format!("corpus/suricata/{test}.pcap"));
        let m = &e["match"];
        let tls_event = matches!(m["event_type"].as_str(), Some("tls" | "quic"));
        if !capture.exists() || e["count"].as_u64() == Some(0) || !tls_event {
            // the 1.6 MB subjectaltname capture is not copied; count 0 = absence checks;
            // flow events carry Suricata's own counters, not TLS facts.
            continue;
        }
        let run = run(&capture, &[]);
        let ends: Vec<&Value> = run
            .records
            .iter()
            .filter(|r| kind(r) == "flow_end")
            .collect();
        // The flow Suricata's event describes: by its ports when given.
        let candidates: Vec<&&Value> = ends
            .iter()
            .filter(|r| {
                m["src_port"].as_u64().is_none_or(|p| {
                    [u(r, &["source", "port"]), u(r, &["destination", "port"])].contains(&p)
                })
            })
            .filter(|r| !s(r, &["flow", "tls"]).is_null())
            .collect();
        let mut any_ok = false;
        let mut why = String::new();
        for r in &candidates {
            let t = s(r, &["flow", "tls"]);
            let leaf = &t["server"]["certificates"][0];
            let mut ok = true;
            let mut expect = |field: &str, got: Option<String>, want: Option<String>| {
                if want.is_some() && got != want {
                    ok = false;
                    why = format!("{field}: Suricata {want:?}, flowsieve {got:?}");
                }
            };
            let st = |v: &Value| v.as_str().map(str::to_string);
            expect("sni", st(&t["client"]["sni"]), st(&m["tls.sni"]));
            expect("ja3", st(&t["client"]["ja3"]), st(&m["tls.ja3.hash"]));
            expect("ja3s", st(&t["server"]["ja3s"]), st(&m["tls.ja3s.hash"]));
            expect(
                "ja4",
                st(&t["client"]["ja4"]),
                st(&m["tls.ja4"]).or(st(&m["quic.ja4"])),
            );
            // Suricata: lower-case colon hex SHA-1; serial with colons and the DER sign byte.
            expect(
                "fingerprint",
                st(&leaf["SHA1"]),
                st(&m["tls.fingerprint"]).map(|f| f.replace(':', "")),
            );
            expect(
                "serial",
                st(&leaf["serial"]),
                st(&m["tls.serial"]).map(|f| {
                    let h = f.replace(':', "");
                    let h = h
                        .strip_prefix("00")
                        .filter(|r| !r.is_empty())
                        .unwrap_or(&h)
                        .to_string();
                    h
                }),
            );
            expect(
                "notbefore",
                st(&leaf["not_before"]).map(|d| d.trim_end_matches('Z').to_string()),
                st(&m["tls.notbefore"]),
            );
            expect(
                "notafter",
                st(&leaf["not_after"]).map(|d| d.trim_end_matches('Z').to_string()),
                st(&m["tls.notafter"]),
            );
            any_ok |= ok;
        }
        checked += 1;
        if !any_ok {
            failures.push(format!(
                "{test}: {why} ({} candidate flows)",
                candidates.len()
            ));
        }
    }
    println!("Suricata expectations checked: {checked}");
    assert!(checked >= 20, "only {checked} expectations checked");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

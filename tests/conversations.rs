//! Flow counts and per-direction packet and payload-byte totals equal tshark's conversation
//! tables, on real captures of many link types (expected files: tests/tools/tshark_conv.py).

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

type Endpoint = (String, u64);
type ConvKey = (String, Endpoint, Endpoint);

/// Per direction: frames a->b, b->a, payload a->b, b->a.
type Counts = [u64; 4];

fn expected(capture: &str) -> BTreeMap<ConvKey, Counts> {
    let text =
        std::fs::read_to_string(data(&format!("conv/{capture}.json"))).expect("expected file");
    let v: Value = serde_json::from_str(&text).expect("expected JSON");
    let mut m = BTreeMap::new();
    for c in v["conversations"].as_array().expect("conversations") {
        let ep = |k: &str| {
            (
                c[k][0].as_str().unwrap_or("").to_string(),
                c[k][1].as_u64().unwrap_or(0),
            )
        };
        let (a, b) = (ep("a"), ep("b"));
        // Packets on the wire (= tshark's frames, except that tshark counts a reassembled
        // fragmented datagram as one frame).
        let mut n = [
            u(c, &["packets_ab"]),
            u(c, &["packets_ba"]),
            u(c, &["payload_ab"]),
            u(c, &["payload_ba"]),
        ];
        let key = if a <= b {
            (c["transport"].as_str().unwrap_or("").to_string(), a, b)
        } else {
            n = [n[1], n[0], n[3], n[2]];
            (c["transport"].as_str().unwrap_or("").to_string(), b, a)
        };
        m.insert(key, n);
    }
    m
}

/// Sums our flow_end records per 5-tuple (a 5-tuple reused after FIN or an idle gap is
/// several flows for us and one conversation for tshark).
fn ours(records: &[Value]) -> BTreeMap<ConvKey, Counts> {
    let mut m: BTreeMap<ConvKey, Counts> = BTreeMap::new();
    for r in records.iter().filter(|r| kind(r) == "flow_end") {
        let t = s(r, &["flow", "transport"])
            .as_str()
            .unwrap_or("")
            .to_string();
        if t != "tcp" && t != "udp" {
            continue;
        }
        let ep = |k: &str| {
            (
                s(r, &[k, "ip"]).as_str().unwrap_or("").to_string(),
                u(r, &[k, "port"]),
            )
        };
        let (src, dst) = (ep("source"), ep("destination"));
        // Default direction method: out = sent by the client (= source).
        let sent_by_src = [
            u(r, &["flow", "out_packets_total"]),
            u(r, &["flow", "out_bytes_total"]),
        ];
        let sent_by_dst = [
            u(r, &["flow", "in_packets_total"]),
            u(r, &["flow", "in_bytes_total"]),
        ];
        let (key, ab, ba) = if src <= dst {
            ((t, src, dst), sent_by_src, sent_by_dst)
        } else {
            ((t, dst, src), sent_by_dst, sent_by_src)
        };
        let e = m.entry(key).or_default();
        e[0] += ab[0];
        e[1] += ba[0];
        e[2] += ab[1];
        e[3] += ba[1];
    }
    m
}

/// The captures tshark's expected files were made for (tests/data/conv/CAPTURES).
fn listed_captures() -> Vec<std::path::PathBuf> {
    std::fs::read_to_string(data("conv/CAPTURES"))
        .expect("conv/CAPTURES")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| data("corpus").join(l.trim()))
        .collect()
}

#[test]
fn flows_packets_and_bytes_match_tshark() {
    let captures = listed_captures();
    assert!(
        captures.len() >= 15,
        "need at least 15 captures, have {}",
        captures.len()
    );
    let mut failures = Vec::new();
    let mut conversations = 0;
    for path in &captures {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let want = expected(&name);
        let run = run(path, &[]);
        assert_eq!(run.status, Some(0), "{name}: {}", run.stderr);
        let got = ours(&run.records);
        conversations += want.len();
        if got != want {
            for (k, w) in &want {
                match got.get(k) {
                    Some(g) if g == w => {}
                    g => failures.push(format!("{name}: {k:?}: tshark {w:?}, flowsieve {g:?}")),
                }
            }
            for k in got.keys().filter(|k| !want.contains_key(*k)) {
                failures.push(format!("{name}: {k:?}: flowsieve only {:?}", got[k]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        conversations > 150,
        "only {conversations} conversations compared"
    );
}

#[test]
fn link_types_are_covered() {
    // The comparison above is only worth something across link types: check they are there.
    let mut seen = std::collections::BTreeSet::new();
    for path in listed_captures() {
        let summary = std::process::Command::new(env!("CARGO_BIN_EXE_flowsieve"))
            .args(["run", "-r"])
            .arg(&path)
            .args(["-o", "/dev/null"])
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&summary.stderr);
        if let Some(l) = err.lines().find(|l| l.contains("link type")) {
            if let Some(t) = l.split("link type ").nth(1) {
                seen.insert(t.trim().to_string());
            }
        }
    }
    for t in [
        "Ethernet",
        "Linux SLL",
        "raw IP",
        "BSD loopback",
        "PPP",
        "NFLOG",
    ] {
        assert!(
            seen.contains(t),
            "no test capture with link type {t}; seen {seen:?}"
        );
    }
}

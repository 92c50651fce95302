//! Record-level guarantees on real captures: schema, one flow_start and one flow_end per
//! flow, intervals that add up, selection, direction, and thread-count independence.

mod common;

use std::collections::BTreeMap;

use common::*;
use serde_json::Value;

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(root().join("docs/record.schema.json")).expect("schema file");
    let schema: Value = serde_json::from_str(&text).expect("schema JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("valid schema")
}

fn corpus_captures() -> Vec<std::path::PathBuf> {
    let mut v = captures("corpus/ndpi");
    v.extend(captures("corpus/malformed/generated"));
    v.extend(captures("corpus/malformed/tcpdump"));
    v.retain(|p| p.extension().is_some_and(|e| e != "tsv"));
    v
}

/// Checks one flow's records: exactly one flow_start first and one flow_end last, and the
/// per-record deltas add up to the totals of the flow_end.
fn check_flow(id: u64, recs: &[&Value]) -> Result<(), String> {
    let kinds: Vec<&str> = recs.iter().map(|r| kind(r)).collect();
    let starts = kinds.iter().filter(|k| **k == "flow_start").count();
    let ends = kinds.iter().filter(|k| **k == "flow_end").count();
    if starts != 1
        || ends != 1
        || kinds.first() != Some(&"flow_start")
        || kinds.last() != Some(&"flow_end")
    {
        return Err(format!("flow {id}: record types {kinds:?}"));
    }
    let end = recs[recs.len() - 1];
    for (delta, total) in [
        ("in_bytes", "in_bytes_total"),
        ("out_bytes", "out_bytes_total"),
        ("in_packets", "in_packets_total"),
        ("out_packets", "out_packets_total"),
    ] {
        let sum: u64 = recs.iter().map(|r| u(r, &["flow", delta])).sum();
        if sum != u(end, &["flow", total]) {
            return Err(format!(
                "flow {id}: {delta} adds up to {sum}, {total} is {}",
                u(end, &["flow", total])
            ));
        }
    }
    let same = |k: &str| {
        recs.iter()
            .all(|r| s(r, &["flow", k]) == s(end, &["flow", k]))
    };
    if !same("protocol") || !same("start_ts") || !same("category") {
        return Err(format!(
            "flow {id}: protocol, category or start_ts changes between records"
        ));
    }
    Ok(())
}

#[test]
fn every_corpus_capture_gives_valid_records_and_one_start_one_end_per_flow() {
    let validator = schema();
    let mut problems = Vec::new();
    let mut flows = 0;
    // A short interval so flow_interval records appear on many captures too.
    let cfg = "flow_statistics:\n  output_interval: 5\n";
    for path in corpus_captures() {
        let name = path.display().to_string();
        let run = run_with_config(&path, Some(cfg), &[]);
        if !matches!(run.status, Some(0) | Some(1) | Some(3)) {
            problems.push(format!(
                "{name}: exit status {:?}: {}",
                run.status, run.stderr
            ));
        }
        for r in &run.records {
            if let Err(e) = validator.validate(r) {
                problems.push(format!("{name}: schema: {e} in {r}"));
            }
        }
        for (id, recs) in by_flow(&run.records) {
            flows += 1;
            if let Err(e) = check_flow(id, &recs) {
                problems.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(flows > 1000, "only {flows} flows checked");
}

/// Records with the id removed, sorted: what must not depend on the number of threads.
fn canonical(records: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = records
        .iter()
        .map(|r| {
            let mut r = r.clone();
            if let Some(f) = r.get_mut("flow").and_then(|f| f.as_object_mut()) {
                f.remove("id");
            }
            r.to_string()
        })
        .collect();
    v.sort();
    v
}

#[test]
fn one_and_four_threads_give_the_same_records() {
    let cfg = "flow_statistics:\n  output_interval: 5\n";
    let mut compared = 0;
    for path in captures("corpus/ndpi") {
        let one = run_with_config(&path, Some(cfg), &["--threads", "1"]);
        let four = run_with_config(&path, Some(cfg), &["--threads", "4"]);
        assert_eq!(one.status, four.status, "{}", path.display());
        assert_eq!(
            canonical(&one.records),
            canonical(&four.records),
            "{}",
            path.display()
        );
        // Ids stay unique across workers.
        let ids: std::collections::HashSet<u64> = four
            .records
            .iter()
            .filter(|r| kind(r) == "flow_start")
            .map(|r| u(r, &["flow", "id"]))
            .collect();
        assert_eq!(
            ids.len(),
            four.records
                .iter()
                .filter(|r| kind(r) == "flow_start")
                .count()
        );
        compared += one.records.len();
    }
    assert!(compared > 3000, "only {compared} records compared");
}

#[test]
fn a_long_flow_gets_one_interval_record_per_boundary() {
    // tls_long_cert.pcap: one TCP conversation over 71 s (tshark: see conv/ file).
    let capture = data("corpus/ndpi/tls_long_cert.pcap");
    let conv: Value = serde_json::from_str(
        &std::fs::read_to_string(data("conv/tls_long_cert.pcap.json")).expect("conv file"),
    )
    .expect("json");
    let last_us = conv["last_packet_us"].as_i64().expect("last packet time");
    let interval_s = 5i64;
    let run = run_with_config(
        &capture,
        Some("flow_statistics:\n  output_interval: 5\n"),
        &[],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let flows = by_flow(&run.records);
    assert_eq!(flows.len(), 1);
    let recs = flows.values().next().expect("one flow");
    let start_ms = s(recs[0], &["timestamp"]).as_i64().expect("timestamp");
    // Interval ends are the multiples of 5 s of packet time after the flow_start and up to
    // the last packet of the capture.
    let boundaries = (start_ms / 1000 / interval_s + 1..=last_us / 1_000_000 / interval_s).count();
    let intervals: Vec<&&Value> = recs.iter().filter(|r| kind(r) == "flow_interval").collect();
    assert!(
        boundaries >= 13,
        "capture shorter than expected: {boundaries}"
    );
    assert_eq!(intervals.len(), boundaries);
    for r in &intervals {
        let t = s(r, &["timestamp"]).as_i64().expect("timestamp");
        assert_eq!(t % (interval_s * 1000), 0, "interval not aligned: {t}");
    }
    // The deltas add up to the totals, which are tshark's payload bytes.
    let c = &conv["conversations"][0];
    let end = recs.last().expect("flow_end");
    let tshark_total = u(c, &["payload_ab"]) + u(c, &["payload_ba"]);
    let ours: u64 = recs
        .iter()
        .map(|r| u(r, &["flow", "in_bytes"]) + u(r, &["flow", "out_bytes"]))
        .sum();
    assert_eq!(ours, tshark_total);
    assert_eq!(
        u(end, &["flow", "in_bytes_total"]) + u(end, &["flow", "out_bytes_total"]),
        tshark_total
    );
}

#[test]
fn selection_applies_to_every_record_type() {
    let capture = data("corpus/ndpi/netflix.pcap");
    let all = run(&capture, &[]);
    let count = |recs: &[Value], p: &str| -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in recs.iter().filter(|r| s(r, &["flow", "protocol"]) == p) {
            *m.entry(kind(r).to_string()).or_insert(0) += 1;
        }
        m
    };
    // netflix.pcap's one SSDP flow (nDPI: SSDP too), named by the `names` pack.
    let udp_all = count(&all.records, "SSDP");
    assert!(udp_all.get("flow_end").copied().unwrap_or(0) > 0);
    // By protocol.
    let only = run_with_config(
        &capture,
        Some("flow_statistics:\n  protocols: [SSDP]\n"),
        &[],
    );
    assert!(only
        .records
        .iter()
        .all(|r| s(r, &["flow", "protocol"]) == "SSDP"));
    assert_eq!(count(&only.records, "SSDP"), udp_all);
    // By category only (the seed lost flow_end here).
    let by_cat = run_with_config(
        &capture,
        Some("flow_statistics:\n  protocols: []\n  protocol_categories: [No_Payload]\n"),
        &[],
    );
    assert!(!by_cat.records.is_empty());
    assert!(by_cat
        .records
        .iter()
        .all(|r| s(r, &["flow", "category"]) == "No_Payload"));
    for (id, recs) in by_flow(&by_cat.records) {
        assert!(check_flow(id, &recs).is_ok(), "{:?}", check_flow(id, &recs));
    }
}

#[test]
fn direction_by_local_networks() {
    let capture = data("corpus/ndpi/http.pcapng");
    let by_client = run(&capture, &[]);
    let end = |recs: &[Value]| {
        recs.iter()
            .find(|r| kind(r) == "flow_end")
            .cloned()
            .expect("flow_end")
    };
    let c = end(&by_client.records);
    // The server (216.58.208.142) is local: out = what the server sent.
    let cfg = "direction_method: DIR_METHOD_NETWORK\nlocal_networks: [216.58.208.0/24]\n";
    let n = end(&run_with_config(&capture, Some(cfg), &[]).records);
    assert_eq!(s(&c, &["source", "ip"]), "192.168.1.128");
    assert_eq!(
        u(&n, &["flow", "out_bytes_total"]),
        u(&c, &["flow", "in_bytes_total"])
    );
    assert_eq!(
        u(&n, &["flow", "in_bytes_total"]),
        u(&c, &["flow", "out_bytes_total"])
    );
    assert!(u(&c, &["flow", "out_bytes_total"]) > 0 && u(&c, &["flow", "in_bytes_total"]) > 0);
}

#[test]
fn timestamps_keep_milliseconds_and_ttfb_is_the_servers_first_byte() {
    let run = run(&data("corpus/ndpi/http.pcapng"), &[]);
    let start = run
        .records
        .iter()
        .find(|r| kind(r) == "flow_start")
        .expect("flow_start");
    // tshark: SYN at 1643129441.023341, first server payload at 1643129441.058995.
    assert_eq!(
        s(start, &["flow", "start_ts"]).as_i64(),
        Some(1_643_129_441_023)
    );
    let ttfb = s(start, &["flow", "ttfb"]).as_f64().expect("ttfb");
    assert!((ttfb - 0.035654).abs() < 1e-6, "ttfb {ttfb}");
    assert_eq!(s(start, &["source", "port"]).as_u64(), Some(42170));
    assert_eq!(s(start, &["destination", "port"]).as_u64(), Some(80));
}

#[test]
fn idle_timeout_and_flow_cap_end_flows_without_losing_counts() {
    // sip.pcap: a UDP 5060 conversation with gaps longer than a 60 s idle timeout.
    let capture = data("corpus/ndpi/sip.pcap");
    let run1 = run(&capture, &[]);
    let reasons: Vec<&str> = run1
        .records
        .iter()
        .filter(|r| kind(r) == "flow_end")
        .filter_map(|r| s(r, &["flow", "end_reason"]).as_str())
        .collect();
    assert!(reasons.contains(&"idle"), "{reasons:?}");
    // A cap of 2 flows on a capture with many: evictions, and still one start and one end
    // per flow and every packet counted.
    let capture = data("corpus/ndpi/netflix.pcap");
    let capped = run_with_config(&capture, Some("flows:\n  max_flows: 2\n"), &[]);
    let evicted = capped
        .records
        .iter()
        .filter(|r| s(r, &["flow", "end_reason"]) == "evicted")
        .count();
    assert!(evicted > 10, "{evicted} evictions");
    for (id, recs) in by_flow(&capped.records) {
        assert!(check_flow(id, &recs).is_ok(), "{:?}", check_flow(id, &recs));
    }
    let packets = |recs: &[Value]| -> u64 {
        recs.iter()
            .filter(|r| kind(r) == "flow_end")
            .map(|r| u(r, &["flow", "in_packets_total"]) + u(r, &["flow", "out_packets_total"]))
            .sum()
    };
    assert_eq!(
        packets(&capped.records),
        packets(&run(&capture, &[]).records)
    );
}

#[test]
fn tcp_flows_end_on_fin_and_rst() {
    let run = run(&data("corpus/ndpi/tcp_scan.pcapng"), &[]);
    let reasons: std::collections::BTreeSet<&str> = run
        .records
        .iter()
        .filter_map(|r| s(r, &["flow", "end_reason"]).as_str())
        .collect();
    assert!(reasons.contains("rst"), "{reasons:?}");
    let http = run_with_config(&data("corpus/ndpi/http.pcapng"), None, &[]);
    let end = http
        .records
        .iter()
        .find(|r| kind(r) == "flow_end")
        .expect("flow_end");
    assert_eq!(s(end, &["flow", "end_reason"]), "fin");
}

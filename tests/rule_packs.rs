//! The rule packs in the daemon, over real captures (`flowsieve run -r`):
//!
//! - the built-in `core` pack names real flows as nDPI does (nDPI's own expected results,
//!   `tests/data/ndpi_result/*.out`, copied from its regression suite);
//! - hostile packs in `classifiers.dir` (an infinite loop, a memory bomb, a trap, runaway
//!   recursion, a lying verdict) never stop the records: every flow keeps exactly the records it
//!   has without them, and the summary shows each pack's faults and its quarantine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use flowsieve_wasm::test_guests;
use serde_json::Value;

/// One flow of nDPI's expected output: unordered endpoints, transport, master protocol.
#[derive(Debug)]
struct NdpiFlow {
    transport: String,
    ends: BTreeSet<String>,
    master: String,
}

/// `\t1\tTCP 192.168.1.128:42170 <-> 216.58.208.142:80 [proto: 7.126/HTTP.Google][...`
fn ndpi_flows(capture: &str) -> Vec<NdpiFlow> {
    let path = data(&format!("ndpi_result/{capture}.out"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut flows = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        let Some((_, rest)) = line.split_once('\t') else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let (Some(transport), Some(a), Some(arrow), Some(b)) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        if !matches!(transport, "TCP" | "UDP") || !matches!(arrow, "<->" | "->") {
            continue;
        }
        let proto = rest
            .split("[proto: ")
            .nth(1)
            .and_then(|p| p.split(']').next())
            .and_then(|p| p.split_once('/'))
            .map(|(_, name)| name)
            .unwrap_or_else(|| panic!("no [proto: ...] in {line}"));
        // `HTTP.Google`: the master protocol is what a port-agnostic rule can name.
        let master = proto.split('.').next().unwrap_or(proto).to_owned();
        flows.push(NdpiFlow {
            transport: transport.to_ascii_lowercase(),
            ends: [endpoint(a), endpoint(b)].into(),
            master,
        });
    }
    assert!(!flows.is_empty(), "no flows in {}", path.display());
    flows
}

/// `1.2.3.4:80` or `[2001:db8::1]:443` -> `ip:port` with the brackets dropped.
fn endpoint(s: &str) -> String {
    s.replace(['[', ']'], "")
}

fn record_ends(r: &Value) -> BTreeSet<String> {
    ["source", "destination"]
        .iter()
        .map(|side| {
            format!(
                "{}:{}",
                s(r, &[side, "ip"]).as_str().unwrap_or(""),
                u(r, &[side, "port"])
            )
        })
        .collect()
}

/// nDPI's master protocol in libprotoident's spelling, the names the core pack uses.
fn expected_name(flow: &NdpiFlow) -> String {
    let port_443 = flow.ends.iter().any(|e| e.ends_with(":443"));
    match (flow.master.as_str(), flow.transport.as_str()) {
        ("DNS", "tcp") => "DNS_TCP".into(),
        // libprotoident: TLS on 443 is HTTPS, elsewhere SSL/TLS.
        ("TLS", _) if port_443 => "HTTPS".into(),
        ("TLS", _) => "SSL/TLS".into(),
        (other, _) => other.into(),
    }
}

/// Flows where the core pack knowingly disagrees with nDPI: (capture, one endpoint, the
/// core pack's name, why). A flow that starts agreeing fails the test, so this list shrinks.
const KNOWN_DIVERGENCES: &[(&str, &str, &str, &str)] = &[(
    "dns.pcap",
    "192.168.170.8:32795",
    "Unknown_UDP",
    "the capture starts with a response (ID 0xdca2) to a query it does not contain; the \
     client's later query (0xbc1f) is then compared with that first response, and the core \
     pack's DNS rule wants a query and its own answer",
)];

fn check_names(capture: &str) -> usize {
    let run = run(&data(&format!("corpus/ndpi/{capture}")), &["-q"]);
    assert_eq!(run.status, Some(0), "{capture}: {}", run.stderr);
    let ends: Vec<&Value> = run
        .records
        .iter()
        .filter(|r| kind(r) == "flow_end")
        .collect();
    let expected = ndpi_flows(capture);
    assert_eq!(
        ends.len(),
        expected.len(),
        "{capture}: flowsieve and nDPI see different flows"
    );
    let mut named = 0;
    for flow in &expected {
        let record = ends
            .iter()
            .find(|r| {
                record_ends(r) == flow.ends
                    && s(r, &["flow", "transport"]).as_str() == Some(&flow.transport)
            })
            .unwrap_or_else(|| panic!("{capture}: no record for nDPI's flow {flow:?}"));
        let got = s(record, &["flow", "protocol"]).as_str().unwrap_or("");
        let want = expected_name(flow);
        let known = KNOWN_DIVERGENCES
            .iter()
            .find(|(c, end, _, _)| *c == capture && flow.ends.contains(*end));
        match known {
            Some((_, _, ours, why)) => assert_eq!(
                got, *ours,
                "{capture}: {flow:?} is listed as a known divergence ({why}) but is now {got}; \
                 if it agrees with nDPI ({want}), remove it from KNOWN_DIVERGENCES"
            ),
            None => {
                assert_eq!(got, want, "{capture}: {flow:?} (nDPI: {})", flow.master);
                named += 1;
            }
        }
        // A named flow's flow_start carries the same name.
        let id = u(record, &["flow", "id"]);
        let start = run
            .records
            .iter()
            .find(|r| kind(r) == "flow_start" && u(r, &["flow", "id"]) == id)
            .unwrap_or_else(|| panic!("{capture}: flow {id} has no flow_start"));
        assert_eq!(s(start, &["flow", "protocol"]).as_str(), Some(got));
    }
    named
}

#[test]
fn http_is_named_http() {
    assert_eq!(check_names("http.pcapng"), 1);
}

#[test]
fn ssh_is_named_ssh_also_on_a_non_standard_port() {
    // The second flow is SSH on port 8000.
    assert_eq!(check_names("ssh.pcap"), 2);
}

#[test]
fn dns_is_named_dns() {
    assert_eq!(check_names("dns.pcap"), 1);
}

#[test]
fn smtp_is_named_smtp() {
    assert_eq!(check_names("smtp.pcap"), 1);
}

#[test]
fn tls_is_https_on_443_and_ssl_tls_elsewhere() {
    assert_eq!(check_names("443-curl.pcap"), 1);
    assert_eq!(check_names("tls_long_cert.pcap"), 1);
    assert_eq!(check_names("tls_port_80.pcapng"), 1);
}

#[test]
fn the_core_pack_can_be_switched_off_by_replacing_it() {
    // Proof the names come from the packs and not from a port table: with the built-in core
    // replaced by a pack (same manifest name) that only knows GET/POST, SSH is not named.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(test_guests::path("corev2"), dir.path().join("core.wasm")).expect("copy");
    let run = run(
        &data("corpus/ndpi/ssh.pcap"),
        &[
            "-q",
            "--classifiers-dir",
            dir.path().to_str().expect("utf-8"),
        ],
    );
    let names: BTreeSet<&str> = run
        .records
        .iter()
        .filter_map(|r| s(r, &["flow", "protocol"]).as_str())
        .collect();
    assert_eq!(names, BTreeSet::from(["Unknown_TCP"]), "{}", run.stderr);
}

const HOSTILE: &[(&str, &str)] = &[
    ("hog", "out_of_memory"),
    ("liar", "bad_verdict"),
    ("loop", "timeout"),
    ("recurse", "stack_overflow"),
    ("trap", "trap"),
];

/// Records keyed by (type, flow id, timestamp), with every field: two runs' records compared
/// as a whole.
fn keyed(records: &[Value]) -> BTreeMap<(String, u64, String), String> {
    records
        .iter()
        .map(|r| {
            (
                (
                    kind(r).to_owned(),
                    u(r, &["flow", "id"]),
                    r["timestamp"].to_string(),
                ),
                r.to_string(),
            )
        })
        .collect()
}

/// The summary's `rule packs` line: `name version (N rules, F faults[, QUARANTINED])` per pack.
fn pack_summary(stderr: &str) -> BTreeMap<String, (u64, bool)> {
    let line = stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("rule packs"))
        .unwrap_or_else(|| panic!("no rule packs line in the summary:\n{stderr}"));
    line.split(';')
        .map(|entry| {
            let entry = entry.trim();
            let name = entry.split_whitespace().next().unwrap_or("").to_owned();
            let faults = entry
                .split(", ")
                .find_map(|part| {
                    part.strip_suffix(" faults")
                        .or(part.strip_suffix(" faults)"))
                })
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or_else(|| panic!("no fault count in {entry:?}"));
            (name, (faults, entry.contains("QUARANTINED")))
        })
        .collect()
}

fn hostile_dir(dir: &Path) {
    for (guest, _) in HOSTILE {
        std::fs::copy(test_guests::path(guest), dir.join(format!("{guest}.wasm"))).expect("copy");
    }
}

/// bittorrent.pcap: 24 TCP flows with payload that no built-in rule names, so after `core`
/// answers no-match every hostile pack (priority 9, any TCP port) is called.
#[test]
fn hostile_packs_never_stop_the_records() {
    let capture = data("corpus/ndpi/bittorrent.pcap");
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_dir(dir.path());
    let threshold = 4;
    let yaml = format!(
        "classifiers:\n  dir: {}\n  watch: false\n  fault_threshold: {threshold}\n",
        dir.path().display()
    );
    let baseline = run(&capture, &[]);
    let hostile = run_with_config(&capture, Some(&yaml), &[]);
    assert_eq!(hostile.status, Some(0), "{}", hostile.stderr);

    // Every flow: one flow_start first, one flow_end last.
    let flows = by_flow(&hostile.records);
    assert_eq!(flows.len(), 24, "{}", hostile.stderr);
    for (id, recs) in &flows {
        let kinds: Vec<&str> = recs.iter().map(|r| kind(r)).collect();
        assert_eq!(kinds.first(), Some(&"flow_start"), "flow {id}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&"flow_end"), "flow {id}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| **k == "flow_start").count(), 1);
        assert_eq!(kinds.iter().filter(|k| **k == "flow_end").count(), 1);
    }
    // ...and exactly the records of a run without the hostile packs: a faulting pack's
    // opinion is dropped, nothing else changes.
    assert_eq!(keyed(&hostile.records), keyed(&baseline.records));

    // Each pack was called, faulted the way it misbehaves, and was quarantined at the
    // threshold (no call after that, so the count stops there).
    let packs = pack_summary(&hostile.stderr);
    assert_eq!(packs.get("core"), Some(&(0, false)), "{}", hostile.stderr);
    for (guest, fault) in HOSTILE {
        assert_eq!(
            packs.get(*guest),
            Some(&(threshold, true)),
            "{guest}: {}",
            hostile.stderr
        );
        let logged = hostile
            .stderr
            .lines()
            .filter(|l| {
                l.contains("classifier call failed")
                    && l.contains(&format!("pack={guest} "))
                    && l.contains(&format!("fault=\"{fault}\""))
            })
            .count();
        assert_eq!(
            logged as u64, threshold,
            "{guest} {fault}:\n{}",
            hostile.stderr
        );
        assert!(
            hostile
                .stderr
                .lines()
                .any(|l| l.contains("quarantined") && l.contains(&format!("pack={guest} "))),
            "{guest} quarantine not logged:\n{}",
            hostile.stderr
        );
    }
}

/// Below the threshold: the faults are counted per pack, nothing is quarantined, and the
/// well-behaved packs still name their flows in the same run.
#[test]
fn hostile_packs_next_to_named_flows() {
    // http.pcapng: core names the flow HTTP (priority 2), so the hostile packs (priority 9)
    // cannot beat it and are not called at all.
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_dir(dir.path());
    let yaml = format!(
        "classifiers:\n  dir: {}\n  watch: false\n",
        dir.path().display()
    );
    let run = run_with_config(&data("corpus/ndpi/http.pcapng"), Some(&yaml), &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let names: Vec<&str> = run
        .records
        .iter()
        .filter_map(|r| s(r, &["flow", "protocol"]).as_str())
        .collect();
    assert!(
        !names.is_empty() && names.iter().all(|n| *n == "HTTP"),
        "{names:?}"
    );
    let packs = pack_summary(&run.stderr);
    assert_eq!(packs.len(), 1 + HOSTILE.len(), "{}", run.stderr);
    assert!(packs.values().all(|v| *v == (0, false)), "{packs:?}");

    // mqtt.pcap: two MQTT flows no built-in names: every hostile pack is called and faults
    // once per flow; the default threshold (16) is far.
    let run = run_with_config(&data("corpus/ndpi/mqtt.pcap"), Some(&yaml), &[]);
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(by_flow(&run.records).len(), 2);
    let packs = pack_summary(&run.stderr);
    for (guest, _) in HOSTILE {
        let (faults, quarantined) = packs[*guest];
        assert!(
            (1..16).contains(&faults) && !quarantined,
            "{guest}: {packs:?}"
        );
    }
}

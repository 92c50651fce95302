//! The rule packs in the daemon, over real captures (`flowsieve run -r`). How the built-in
//! packs' names compare with nDPI's over its whole corpus is `tests/accuracy.rs`; here:
//!
//! - names come from the packs, not from a port table (replacing `core` changes them);
//! - hostile packs in `classifiers.dir` (an infinite loop, a memory bomb, a trap, runaway
//!   recursion, a lying verdict) never stop the records: every flow keeps exactly the records it
//!   has without them, and the summary shows each pack's faults and its quarantine.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::*;
use flowsieve_wasm::test_guests;
use serde_json::Value;

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

/// The built-in packs, in load order (`classifiers/<dir>`).
const BUILTIN_PACKS: &[&str] = &[
    "core",
    "databases",
    "filetransfer",
    "games",
    "ics",
    "mail",
    "messaging",
    "names",
    "p2p",
    "remote",
    "routing",
    "voip",
    "vpn",
    "web",
];

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

/// `flows` TCP flows of pseudo-random payload both ways, which no built-in pack names.
fn noise_capture(path: &Path, flows: u64) {
    use flowsieve::synth::{write_capture, Mix, Spec};
    let spec = Spec {
        flows,
        mix: Mix::Noise,
        ..Spec::default()
    };
    write_capture(path, &spec).expect("write the noise capture");
}

fn hostile_dir(dir: &Path) {
    for (guest, _) in HOSTILE {
        std::fs::copy(test_guests::path(guest), dir.join(format!("{guest}.wasm"))).expect("copy");
    }
}

/// 24 TCP flows of noise (`flowsieve::synth`, `Mix::Noise`) that no built-in rule names, so every hostile
/// pack (priority 9, any TCP port, no leads) is called for each.
#[test]
fn hostile_packs_never_stop_the_records() {
    let work = tempfile::tempdir().expect("tempdir");
    let capture = work.path().join("noise24.pcap");
    noise_capture(&capture, 24);
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_dir(dir.path());
    let threshold = 4;
    // A deadline long enough that the memory hog reaches the memory cap before it, even on
    // a loaded machine (with 10 ms it sometimes times out first), short enough that the
    // infinite loop costs well under a second per call.
    let yaml = format!(
        "classifiers:\n  dir: {}\n  watch: false\n  fault_threshold: {threshold}\n  call_deadline_ms: 250\n",
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
    assert_eq!(
        packs.len(),
        BUILTIN_PACKS.len() + HOSTILE.len(),
        "{}",
        run.stderr
    );
    assert!(packs.values().all(|v| *v == (0, false)), "{packs:?}");

    // Two flows of noise no built-in names: every hostile pack is called and faults once per
    // flow; the default threshold (16) is far.
    let noise = dir.path().join("noise2.pcap");
    noise_capture(&noise, 2);
    let run = run_with_config(&noise, Some(&yaml), &[]);
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

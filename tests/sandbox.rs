//! The rule sandbox, checked from outside: the real binary, real captures, test guests built
//! from `classifiers/testing`.
//!
//! - A rule that would read files, open sockets, read the clock or the environment (or draw
//!   random numbers) has to import a WASI interface to do it: each such file is refused at
//!   load (`flowsieve run` and `flowsieve classifiers check`) with a message naming the import,
//!   and the run goes on with the other packs.
//! - A rule built against an older or a newer contract is refused, saying which contract this
//!   flowsieve speaks and what the rule was built for.
//! - A rule that loops forever or allocates without end is cut at the deadline / memory cap
//!   on every call (timeout, out_of_memory faults in the log and the summary) and the daemon
//!   writes exactly the records it writes without it, naming what the other packs name.
//!
//! (`tests/rule_packs.rs` runs the trap, runaway recursion and lying guests the same way, with
//! quarantine; `tests/hot_reload.rs` drops a WASI-importing file into a running daemon.)

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::*;
use flowsieve::synth::{write_capture, Mix, Spec};
use flowsieve_wasm::test_guests;
use serde_json::Value;

/// Guests that reach for the host, and the imports each is refused for (the first is the
/// one the message quotes; a resource's interface comes before the functions using it).
const SNEAKY: &[(&str, &[&str])] = &[
    (
        "wasifs",
        &[
            "wasi:filesystem/types@0.2.0",
            "wasi:filesystem/preopens@0.2.0",
        ],
    ),
    (
        "wasisockets",
        &[
            "wasi:sockets/network@0.2.0",
            "wasi:sockets/instance-network@0.2.0",
        ],
    ),
    ("wasiclock", &["wasi:clocks/wall-clock@0.2.0"]),
    ("wasienv", &["wasi:cli/environment@0.2.0"]),
    ("wasi", &["wasi:random/random@0.2.0"]),
];

/// Guests built against another contract, and what the refusal must say.
const OTHER_CONTRACT: &[(&str, &[&str])] = &[
    (
        "contract01",
        &[
            "built against flowsieve:classifier@0.1.0",
            "this flowsieve speaks flowsieve:classifier@0.3.0",
        ],
    ),
    (
        "contract02",
        &[
            "built against flowsieve:classifier@0.2.0",
            "this flowsieve speaks flowsieve:classifier@0.3.0",
        ],
    ),
    (
        "contract04",
        &[
            "built against a newer contract than flowsieve:classifier@0.3.0",
            "description",
            "upgrade flowsieve",
        ],
    ),
];

fn check(path: &Path) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["classifiers", "check"])
        .arg(path)
        .output()
        .expect("run flowsieve");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn check_refuses_every_way_out_and_every_other_contract() {
    for (guest, imports) in SNEAKY {
        let (code, stderr) = check(&test_guests::path(guest));
        assert_eq!(code, Some(1), "{guest}: {stderr}");
        assert!(
            stderr.contains(&format!("refused: imports \"{}\"", imports[0])),
            "{guest}: want the import {} named in {stderr}",
            imports[0]
        );
        for import in *imports {
            assert!(stderr.contains(import), "{guest}: {import} in {stderr}");
        }
    }
    for (guest, parts) in OTHER_CONTRACT {
        let (code, stderr) = check(&test_guests::path(guest));
        assert_eq!(code, Some(1), "{guest}: {stderr}");
        for part in *parts {
            assert!(stderr.contains(part), "{guest}: want {part:?} in {stderr}");
        }
    }
}

/// Records keyed by (type, flow id, timestamp) with every field.
fn keyed(records: &[Value]) -> BTreeMap<(String, u64, String), String> {
    records
        .iter()
        .map(|r| {
            let key = (
                kind(r).to_owned(),
                u(r, &["flow", "id"]),
                r["timestamp"].to_string(),
            );
            (key, r.to_string())
        })
        .collect()
}

/// The summary's `rule packs` entry of `pack`: `name version (N rules, F faults...)`.
fn pack_entry<'a>(stderr: &'a str, pack: &str) -> Option<&'a str> {
    let line = stderr
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("rule packs"))?;
    line.split(';')
        .map(str::trim)
        .find(|e| e.split_whitespace().next() == Some(pack))
}

#[test]
fn hostile_and_sneaky_rules_change_nothing_in_a_real_run() {
    let work = tempfile::tempdir().expect("tempdir");
    let packs = work.path().join("packs");
    std::fs::create_dir(&packs).expect("mkdir");
    let every: Vec<&str> = SNEAKY
        .iter()
        .map(|(g, _)| *g)
        .chain(OTHER_CONTRACT.iter().map(|(g, _)| *g))
        .chain(["loop", "hog"])
        .collect();
    for guest in &every {
        std::fs::copy(
            test_guests::path(guest),
            packs.join(format!("{guest}.wasm")),
        )
        .expect("copy guest");
    }
    // Never quarantined here, so every call of the loop and the hog meets its limit.
    let yaml = format!(
        "classifiers:\n  dir: {}\n  watch: false\n  fault_threshold: 100000\n  call_deadline_ms: 200\n  memory_mib: 16\n",
        packs.display()
    );
    // Noise (which the hostile packs are asked about, as no built-in names it) and flows the
    // built-in packs name (HTTP, DNS).
    for (mix, flows) in [(Mix::Noise, 12), (Mix::Long, 12)] {
        let capture = work.path().join(format!("{mix:?}.pcap"));
        let spec = Spec {
            flows,
            mix,
            gap_secs: 1,
            ..Spec::default()
        };
        write_capture(&capture, &spec).expect("write capture");
        let baseline = run(&capture, &[]);
        assert_eq!(baseline.status, Some(0), "{}", baseline.stderr);
        let sandboxed = run_with_config(&capture, Some(&yaml), &[]);
        let stderr = &sandboxed.stderr;
        assert_eq!(sandboxed.status, Some(0), "{mix:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");

        // Every file that reaches out or speaks another contract: refused, the reason named.
        for (guest, imports) in SNEAKY {
            assert!(
                stderr.lines().any(|l| l.contains("classifier pack refused")
                    && l.contains(&format!("{guest}.wasm"))
                    && imports.iter().all(|i| l.contains(i))),
                "{guest} not refused naming {imports:?}:\n{stderr}"
            );
            assert!(pack_entry(stderr, guest).is_none(), "{guest} loaded");
        }
        for (guest, parts) in OTHER_CONTRACT {
            assert!(
                stderr.lines().any(|l| l.contains("classifier pack refused")
                    && l.contains(&format!("{guest}.wasm"))
                    && parts.iter().all(|p| l.contains(p))),
                "{guest} not refused with {parts:?}:\n{stderr}"
            );
        }

        // The same records as without any of them: same names, same counts, same times.
        assert_eq!(
            keyed(&sandboxed.records),
            keyed(&baseline.records),
            "{mix:?}"
        );
        let names: std::collections::BTreeSet<&str> = sandboxed
            .records
            .iter()
            .filter_map(|r| s(r, &["flow", "protocol"]).as_str())
            .collect();
        match mix {
            Mix::Noise => {
                // Asked about every flow: each call of the loop ended at the deadline, each
                // of the hog's at the memory cap; both still loaded (not quarantined).
                assert_eq!(names, ["Unknown_TCP"].into(), "{stderr}");
                for (guest, fault) in [("loop", "timeout"), ("hog", "out_of_memory")] {
                    let logged = stderr
                        .lines()
                        .filter(|l| {
                            l.contains("classifier call failed")
                                && l.contains(&format!("pack={guest} "))
                                && l.contains(&format!("fault=\"{fault}\""))
                        })
                        .count();
                    assert!(logged >= 12, "{guest}: {logged} {fault} faults\n{stderr}");
                    let entry = pack_entry(stderr, guest).unwrap_or_default();
                    assert!(
                        entry.contains(&format!("{logged} faults"))
                            && !entry.contains("QUARANTINED"),
                        "{guest}: {entry:?} after {logged} logged faults"
                    );
                }
            }
            _ => assert_eq!(names, ["DNS", "HTTP"].into(), "{stderr}"),
        }
    }
}

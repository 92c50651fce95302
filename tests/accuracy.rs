//! How often flowsieve's built-in rule packs name a flow as nDPI does, over every capture of
//! nDPI's regression corpus (`tests/data/corpus/ndpi`, with nDPI's own expected results in
//! `tests/data/ndpi_result`).
//!
//! - nDPI's labels are mapped to ours by `tests/data/ndpi_to_ours.tsv` (reviewed by hand).
//! - A flow counts when nDPI identified it from its payload (`Confidence: DPI`) and its mapped
//!   name is a protocol some built-in pack can name. Flows nDPI only guessed from a port
//!   (`Match by port`: mostly flows without payload, which libprotoident's convention calls
//!   No_Payload) are shown in the table, with the all-flows figure, but not held to it.
//! - Every disagreement must be listed, with the reason, in `tests/data/ndpi_divergences.tsv`;
//!   an unlisted one fails the test, and so does a listed one that now agrees (the list only
//!   shrinks by review). The figure (agreeing / counted) must be at least 95%.
//! - The test prints the confusion table, and the flows we name where nDPI's label has no
//!   mapping (or is Unknown), for review.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use common::ndpi::{find_record, ndpi_flows, NdpiFlow};
use common::*;

/// `ndpi label -> (transport -> our names)`.
struct Mapping(BTreeMap<(String, String), Vec<String>>);

impl Mapping {
    fn load() -> Self {
        let text = std::fs::read_to_string(data("ndpi_to_ours.tsv")).expect("mapping");
        let mut map = BTreeMap::new();
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(cols.len() >= 3, "ndpi_to_ours.tsv: bad line {line:?}");
            let names = cols[2].split(',').map(str::to_owned).collect();
            let key = (cols[0].to_owned(), cols[1].to_owned());
            assert!(
                map.insert(key, names).is_none(),
                "ndpi_to_ours.tsv: {line:?} twice"
            );
        }
        Mapping(map)
    }

    /// Whole label first, then the master protocol.
    fn names(&self, flow: &NdpiFlow) -> Option<&[String]> {
        let get = |label: &str| {
            self.0
                .get(&(label.to_owned(), flow.transport.clone()))
                .map(Vec::as_slice)
        };
        get(&flow.label).or_else(|| get(&flow.master))
    }
}

/// A reviewed disagreement: `capture  flow  ours  ndpi_label  why`, the flow as its two
/// endpoints in nDPI's spelling, sorted: `a:1 <-> b:2`.
#[derive(Debug)]
struct Divergence {
    capture: String,
    flow: String,
    ours: String,
    label: String,
}

fn divergences() -> Vec<Divergence> {
    let text = std::fs::read_to_string(data("ndpi_divergences.tsv")).expect("divergences");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            assert!(
                cols.len() == 5 && !cols[4].trim().is_empty(),
                "ndpi_divergences.tsv: a line needs 5 columns, the last the reason: {line:?}"
            );
            Divergence {
                capture: cols[0].into(),
                flow: cols[1].into(),
                ours: cols[2].into(),
                label: cols[3].into(),
            }
        })
        .collect()
}

/// `(transport, protocol)` of every rule of the built-in packs, from the daemon itself.
fn our_protocols() -> BTreeSet<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["classifiers", "list", "--markdown"])
        .output()
        .expect("flowsieve classifiers list");
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .skip(2)
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            (cells[3].to_owned(), cells[1].to_owned())
        })
        .collect()
}

/// `a:1 <-> b:2`, sorted.
fn ends(flow: &NdpiFlow) -> String {
    flow.ends.iter().cloned().collect::<Vec<_>>().join(" <-> ")
}

#[derive(Default)]
struct Tally {
    counted: usize,
    agreed: usize,
    /// Flows nDPI labelled by a port guess, and how many of those we name the same.
    guessed: usize,
    guessed_agreed: usize,
    /// (nDPI label as mapped, ours) -> flows.
    confusion: BTreeMap<(String, String), usize>,
    /// Disagreements not in the reviewed list, as lines for it.
    unlisted: Vec<String>,
    /// Listed divergences seen (index into the list).
    seen_listed: BTreeSet<usize>,
    /// nDPI flows with no record of ours (should not happen).
    missing: Vec<String>,
    /// nDPI label (unmapped, or not a protocol of ours) -> our name, where we named it.
    outside: BTreeMap<(String, String), usize>,
}

#[test]
fn built_in_packs_agree_with_ndpi_on_its_corpus() {
    let mapping = Mapping::load();
    let listed = divergences();
    let ours = our_protocols();
    let mut t = Tally::default();
    let captures: Vec<String> = captures("corpus/ndpi")
        .iter()
        .filter_map(|p| p.file_name()?.to_str().map(str::to_owned))
        .filter(|name| data(&format!("ndpi_result/{name}.out")).is_file())
        .collect();
    assert!(captures.len() >= 100, "{} captures", captures.len());
    for capture in &captures {
        // Names, not the sandbox's deadline, are under test: a generous deadline keeps a
        // debug build on a loaded machine from faulting a pack.
        let run = run_with_config(
            &data(&format!("corpus/ndpi/{capture}")),
            Some("classifiers:\n  call_deadline_ms: 1000\n"),
            &["-q"],
        );
        assert!(
            matches!(run.status, Some(0 | 3)),
            "{capture}: {}",
            run.stderr
        );
        for flow in ndpi_flows(capture) {
            let Some(record) = find_record(&run.records, &flow) else {
                // nDPI keeps port-0 "flows" of fragments and garbage we do not track.
                if !flow.ends.iter().any(|e| e.ends_with(":0"))
                    && common::ndpi::canonical_ends(&flow.ends).is_some()
                {
                    t.missing.push(format!("{capture} {flow:?}"));
                }
                continue;
            };
            let got = s(record, &["flow", "protocol"])
                .as_str()
                .unwrap_or("")
                .to_owned();
            let mapped = mapping.names(&flow).filter(|names| {
                names
                    .iter()
                    .any(|n| ours.contains(&(flow.transport.clone(), n.clone())))
            });
            let Some(want) = mapped else {
                if !got.starts_with("Unknown_") && got != "No_Payload" {
                    *t.outside.entry((flow.label.clone(), got)).or_default() += 1;
                }
                continue;
            };
            let row = if flow.guessed() {
                format!("{} ({}, by port)", flow.master, flow.transport)
            } else {
                format!("{} ({})", flow.master, flow.transport)
            };
            *t.confusion.entry((row, got.clone())).or_default() += 1;
            if flow.guessed() {
                t.guessed += 1;
                t.guessed_agreed += usize::from(want.contains(&got));
                continue;
            }
            t.counted += 1;
            if want.contains(&got) {
                t.agreed += 1;
                continue;
            }
            let listed_at = listed.iter().position(|d| {
                d.capture == *capture
                    && d.flow == ends(&flow)
                    && d.ours == got
                    && d.label == flow.label
            });
            match listed_at {
                Some(i) => {
                    t.seen_listed.insert(i);
                }
                None => {
                    t.unlisted.push(format!(
                        "{capture}\t{}\t{got}\t{}\t(want {})",
                        ends(&flow),
                        flow.label,
                        want.join(" or ")
                    ));
                }
            }
        }
    }

    println!("\nnDPI (mapped) vs flowsieve, {} captures:", captures.len());
    println!("{:<28} {:<16} {:>6}", "nDPI", "flowsieve", "flows");
    for ((ndpi, got), n) in &t.confusion {
        println!("{ndpi:<28} {got:<16} {n:>6}");
    }
    println!("\nnamed by flowsieve where nDPI's label maps to no protocol of ours:");
    for ((label, got), n) in &t.outside {
        println!("{label:<28} {got:<16} {n:>6}");
    }
    let figure = t.agreed as f64 * 100.0 / t.counted.max(1) as f64;
    println!(
        "\nagreement on the flows nDPI identified by payload: {}/{} = {figure:.1}%",
        t.agreed, t.counted
    );
    println!(
        "agreement on all mapped flows, port guesses included: {}/{} = {:.1}%\n",
        t.agreed + t.guessed_agreed,
        t.counted + t.guessed,
        (t.agreed + t.guessed_agreed) as f64 * 100.0 / (t.counted + t.guessed).max(1) as f64
    );

    assert!(
        t.missing.is_empty(),
        "nDPI flows without a record:\n{}",
        t.missing.join("\n")
    );
    assert!(
        t.unlisted.is_empty(),
        "disagreements with nDPI not reviewed in tests/data/ndpi_divergences.tsv \
         (capture, endpoint, ours, nDPI label; add the reason or fix the rule):\n{}",
        t.unlisted.join("\n")
    );
    let stale: Vec<&Divergence> = listed
        .iter()
        .enumerate()
        .filter(|(i, _)| !t.seen_listed.contains(i))
        .map(|(_, d)| d)
        .collect();
    assert!(
        stale.is_empty(),
        "listed divergences that no longer occur (now agree, or changed): remove or update \
         them:\n{stale:#?}"
    );
    assert!(figure >= 95.0, "agreement {figure:.1}% is below 95%");
}

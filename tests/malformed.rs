//! Damaged and hostile captures: no crash, every record up to the damage, and an exit status
//! and message that say the file was damaged. Expected packet counts are libpcap's own
//! (tcpdump --count), from the corpus' EXPECTED_BEHAVIOR.tsv.

mod common;

use std::collections::HashMap;
use std::process::Command;

use common::*;

/// file name -> (packets libpcap delivers, tshark's error text).
fn expected(folder: &str) -> HashMap<String, (u64, String)> {
    let text = std::fs::read_to_string(data(&format!(
        "corpus/malformed/{folder}/EXPECTED_BEHAVIOR.tsv"
    )))
    .expect("EXPECTED_BEHAVIOR.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.starts_with(name))
            .expect("column")
    };
    let (file, packets, error) = (col("file"), col("libpcap"), col("tshark_error"));
    lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .map(|f| {
            let get = |i: usize| f.get(i).copied().unwrap_or("").to_string();
            (get(file), (get(packets).parse().unwrap_or(0), get(error)))
        })
        .collect()
}

struct Outcome {
    status: Option<i32>,
    stderr: String,
    packets: Option<u64>,
}

/// Runs without -q so the summary tells how many packets were read.
fn run_summary(path: &std::path::Path) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["run", "-o", "/dev/null", "-r"])
        .arg(path)
        .output()
        .expect("run flowsieve");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let packets = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("packets"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    Outcome {
        status: out.status.code(),
        stderr,
        packets,
    }
}

fn check_folder(folder: &str) {
    let want = expected(folder);
    let mut problems = Vec::new();
    for (name, (libpcap_packets, tshark_error)) in &want {
        let path = data(&format!("corpus/malformed/{folder}/{name}"));
        let o = run_summary(&path);
        match o.status {
            None => problems.push(format!("{name}: killed by a signal: {}", o.stderr)),
            Some(0) => {
                if o.packets != Some(*libpcap_packets) {
                    problems.push(format!(
                        "{name}: read {:?} packets, libpcap delivers {libpcap_packets}",
                        o.packets
                    ));
                }
            }
            Some(3) => {
                // Damaged: everything libpcap delivered before the damage was read.
                if o.packets != Some(*libpcap_packets) {
                    problems.push(format!(
                        "{name}: read {:?} packets before the damage, libpcap {libpcap_packets}",
                        o.packets
                    ));
                }
                if !o.stderr.contains("is damaged after") {
                    problems.push(format!("{name}: no damage message: {}", o.stderr));
                }
                if tshark_error.is_empty() {
                    problems.push(format!("{name}: called damaged, tshark reads it fine"));
                }
            }
            Some(1) => {
                // Cannot be read at all (bad magic, header cut short, unsupported link type):
                // a one-line reason, and libpcap delivers no packet of it either... or it is a
                // link type we do not decode.
                let msg = o.stderr.trim();
                if !(msg.starts_with("flowsieve: cannot open capture file")
                    || msg.contains("is not supported"))
                {
                    problems.push(format!("{name}: unclear error: {msg}"));
                }
                if msg.starts_with("flowsieve: cannot open") && *libpcap_packets != 0 {
                    problems.push(format!(
                        "{name}: refused, yet libpcap delivers {libpcap_packets} packets"
                    ));
                }
            }
            Some(s) => problems.push(format!("{name}: exit status {s}: {}", o.stderr)),
        }
    }
    assert!(want.len() > 30, "only {} files", want.len());
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn generated_broken_captures() {
    check_folder("generated");
}

#[test]
fn tcpdump_crash_regressions() {
    check_folder("tcpdump");
}

#[test]
fn a_cut_file_keeps_the_records_before_the_cut() {
    // truncated_in_packet_data.pcap is the TLS 1.2 capture cut inside packet 44; the flow
    // that started before the cut must still get its flow_start and flow_end.
    let run = run(
        &data("corpus/malformed/generated/truncated_in_packet_data.pcap"),
        &[],
    );
    assert_eq!(run.status, Some(3), "{}", run.stderr);
    assert!(
        run.stderr.contains("is damaged after 43 packets"),
        "{}",
        run.stderr
    );
    let flows = by_flow(&run.records);
    assert!(!flows.is_empty());
    let mut packets = 0;
    for recs in flows.values() {
        assert_eq!(kind(recs[0]), "flow_start");
        let end = recs.last().expect("records");
        assert_eq!(kind(end), "flow_end");
        assert_eq!(s(end, &["flow", "end_reason"]), "end_of_input");
        packets += u(end, &["flow", "in_packets_total"]) + u(end, &["flow", "out_packets_total"]);
    }
    assert_eq!(packets, 43);
}

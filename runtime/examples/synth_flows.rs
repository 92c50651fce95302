//! Writes a synthetic capture (see `flowsieve::synth`).
//!
//! ```sh
//! cargo run --release --example synth_flows -- --flows 1000000 --mix long -o long_1m.pcap
//! cargo run --release --example synth_flows -- --flows 5000000 --mix syn -o syn_5m.pcap
//! cargo run --release --example synth_flows -- --flows 1000000 --mix hostile -o hostile.pcap
//! ```
//!
//! `--mix hostile` writes `flowsieve::synth::hostile`'s capture as `tests/hostile.rs` does:
//! 20,000 SYN flood sources, 10,000 scanned ports, 3,000 fragmented datagrams, 200 flows of
//! overlapping segments, then `--flows` distinct UDP 5-tuples.

use std::path::PathBuf;
use std::process::ExitCode;

use flowsieve::synth::hostile::{write_hostile, HostileSpec};
use flowsieve::synth::{write_capture, Mix, Spec};

const USAGE: &str =
    "usage: synth_flows --flows N --mix long|syn|noise|hostile -o FILE [--rate FLOWS_PER_S] [--gap S] [--rounds K]";

fn parse_args() -> Result<(Spec, bool, PathBuf), String> {
    let mut spec = Spec::default();
    let mut hostile = false;
    let mut out = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        let num = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--flows" => spec.flows = num(value()?)?,
            "--rate" => spec.rate = num(value()?)?.max(1),
            "--gap" => spec.gap_secs = num(value()?)?,
            "--rounds" => spec.rounds = num(value()?)?.min(1000) as u32,
            "-o" | "--out" => out = Some(PathBuf::from(value()?)),
            "--mix" => {
                spec.mix = match value()?.as_str() {
                    "long" => Mix::Long,
                    "syn" => Mix::Syn,
                    "noise" => Mix::Noise,
                    "hostile" => {
                        hostile = true;
                        spec.mix
                    }
                    m => return Err(format!("--mix: {m:?} is not long, syn, noise or hostile")),
                }
            }
            f => return Err(format!("unknown argument {f:?}\n{USAGE}")),
        }
    }
    Ok((spec, hostile, out.ok_or(USAGE)?))
}

fn main() -> ExitCode {
    let (spec, hostile, out) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth_flows: {e}");
            return ExitCode::FAILURE;
        }
    };
    let written = if hostile {
        let h = HostileSpec {
            syn_flood: 20_000,
            port_scan: 10_000,
            fragments: 3_000,
            overlap: 200,
            udp_tuples: spec.flows,
        };
        write_hostile(&out, &h).map(|c| c.total)
    } else {
        write_capture(&out, &spec)
    };
    match written {
        Ok(n) => {
            println!("{}: {} flows, {n} packets", out.display(), spec.flows);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("synth_flows: {}: {e}", out.display());
            ExitCode::FAILURE
        }
    }
}

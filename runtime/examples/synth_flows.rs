//! Writes a synthetic capture (see `flowsieve::synth`).
//!
//! ```sh
//! cargo run --release --example synth_flows -- --flows 1000000 --mix long -o long_1m.pcap
//! cargo run --release --example synth_flows -- --flows 5000000 --mix syn -o syn_5m.pcap
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use flowsieve::synth::{write_capture, Mix, Spec};

const USAGE: &str =
    "usage: synth_flows --flows N --mix long|syn|noise -o FILE [--rate FLOWS_PER_S] [--gap S] [--rounds K]";

fn parse_args() -> Result<(Spec, PathBuf), String> {
    let mut spec = Spec::default();
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
                    m => return Err(format!("--mix: {m:?} is not long, syn or noise")),
                }
            }
            f => return Err(format!("unknown argument {f:?}\n{USAGE}")),
        }
    }
    Ok((spec, out.ok_or(USAGE)?))
}

fn main() -> ExitCode {
    let (spec, out) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth_flows: {e}");
            return ExitCode::FAILURE;
        }
    };
    match write_capture(&out, &spec) {
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

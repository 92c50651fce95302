//! The `flowsieve` command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};

use flowsieve::capture::{LiveOptions, Source};
use flowsieve::config::Config;
use flowsieve::export::SinkSpec;
use flowsieve::pipeline::{self, RunOptions};
use flowsieve::privileges;

mod cli;

/// Exit status when the input file is damaged: every record before the damage was written.
const EXIT_DAMAGED: u8 = 3;
/// Exit status when the JSON output failed (disk full, closed pipe): the records before the
/// failure were written whole.
const EXIT_OUTPUT: u8 = 4;

#[derive(Parser)]
#[command(
    name = "flowsieve",
    version,
    about = "Flow statistics from packets: who talked to whom, how much, which protocol"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a capture file or a live interface and write one JSON record per flow event.
    Run(RunArgs),
    /// Protocol rule packs: list them, check a pack file, build one from a core module.
    #[command(subcommand)]
    Classifiers(cli::classifiers::ClassifiersCommand),
}

#[derive(clap::Args)]
struct RunArgs {
    /// Capture file to read (pcap or pcapng; the format is read from the file, not its name).
    #[arg(
        short = 'r',
        long = "read",
        value_name = "FILE",
        conflicts_with = "interface"
    )]
    read: Option<PathBuf>,
    /// Live interface to capture from.
    #[arg(short = 'i', long = "interface", value_name = "IFACE")]
    interface: Option<String>,
    /// BPF filter, as for tcpdump.
    #[arg(short = 'f', long = "filter", value_name = "BPF")]
    filter: Option<String>,
    /// Configuration file (YAML); defaults are those of config/flowsieve.yaml.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory of rule packs (`*.wasm`), watched for changes (overrides `classifiers.dir`).
    #[arg(long = "classifiers-dir", value_name = "DIR")]
    classifiers_dir: Option<PathBuf>,
    /// Worker threads (overrides the config's `threads`; 0 = one per core).
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Write JSON lines here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<String>,
    /// No progress line and no summary on standard error.
    #[arg(short, long)]
    quiet: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => {
            init_logging(if args.quiet { "error" } else { "warn" });
            run(args)
        }
        Command::Classifiers(cmd) => {
            // These commands print every refused file themselves; the reload module's log
            // lines would say it twice.
            init_logging("warn,flowsieve_wasm::reload=off");
            // Listings end up in pipes (`classifiers list | head`): a closed pipe ends the
            // command quietly, as it does `ls`, instead of panicking in `print!`. (Rust starts
            // with SIGPIPE ignored; `run` keeps that: a daemon whose records stop reaching
            // their reader must say so, flush its flows to the other sinks and exit non-zero.)
            // SAFETY: restoring a signal's default disposition before any other thread exists.
            unsafe {
                libc::signal(libc::SIGPIPE, libc::SIG_DFL);
            }
            cli::classifiers::run(cmd)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flowsieve: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` overrides `default` (an EnvFilter directive).
fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .try_init();
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let mut config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    if let Some(t) = args.threads {
        config.threads = t;
    }
    if let Some(dir) = &args.classifiers_dir {
        config.classifiers.dir = Some(dir.clone());
    }
    let filter = args.filter.clone().or_else(|| config.bpf_filter.clone());
    let source = match (&args.read, &args.interface) {
        (Some(path), _) => Source::open_file(path, filter.as_deref())?,
        (None, Some(iface)) => open_live(iface, &config, filter.as_deref())?,
        (None, None) => match (&config.file, &config.interface) {
            (Some(path), _) => Source::open_file(path, filter.as_deref())?,
            (None, Some(iface)) => open_live(iface, &config, filter.as_deref())?,
            (None, None) => bail!("nothing to read: give -r FILE or -i IFACE (or `file:` / `interface:` in the config)"),
        },
    };
    // The capture is open: from here on, run as `user:` (before the output, spools, pack
    // cache and rule directory are opened, so they are the user's from the start).
    if let Some(name) = &config.user {
        let account = privileges::lookup(name).context("user")?;
        privileges::become_user(&account)?;
    }
    let is_file = !source.is_live();
    // JSON lines (unless `output.enabled: false` and no -o) plus every enabled sink.
    let sink = SinkSpec::from_config(&config, args.output.as_deref());
    if sink.is_empty() {
        bail!("output.enabled is false and no sink (kafka, clickhouse, influxdb, elasticsearch) is enabled: the records would go nowhere");
    }

    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).context("cannot install signal handlers")?;
    }
    let rescan = Arc::new(AtomicBool::new(false));
    signal_hook::flag::register(signal_hook::consts::SIGHUP, rescan.clone())
        .context("cannot install signal handlers")?;
    let opts = RunOptions {
        sink,
        progress: is_file && !args.quiet && std::io::stderr().is_terminal(),
        stop,
        rescan,
    };
    let summary = pipeline::run(&config, source, opts)?;
    if !args.quiet {
        eprint!("{summary}");
    }
    if let Some(failed) = &summary.export.failed {
        eprintln!("flowsieve: {failed}");
        return Ok(ExitCode::from(EXIT_OUTPUT));
    }
    if let Some(reason) = &summary.damaged {
        let what = args
            .read
            .as_ref()
            .or(config.file.as_ref())
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        eprintln!(
            "flowsieve: {what} is damaged after {} packets ({reason}); records for every packet before the damage were written",
            summary.capture.packets
        );
        return Ok(ExitCode::from(EXIT_DAMAGED));
    }
    Ok(ExitCode::SUCCESS)
}

fn open_live(iface: &str, config: &Config, filter: Option<&str>) -> Result<Source> {
    let c = &config.capture;
    let opts = LiveOptions {
        snaplen: c.snaplen,
        promiscuous: c.promiscuous,
        buffer_mib: c.buffer_mib,
    };
    Ok(Source::open_live(iface, &opts, filter)?)
}

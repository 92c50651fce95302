//! Heap allocations per packet on the steady-state path, counted by a global allocator.
//!
//! ```sh
//! cargo run --release --example alloc_count [-- FLOWS ROUNDS]
//! ```
//!
//! Runs the whole pipeline (capture, decode, dispatch, worker, records, exporter; every
//! built-in rule pack, TLS on) twice over synthetic captures (`flowsieve::synth`) with the
//! same flows: once with one packet per flow after the flows are established and classified
//! (and their post-verdict inspection has ended), once with `1 + ROUNDS`. Everything per
//! run or per flow is the same in both, so the difference in allocations over the extra
//! packets is what a steady-state packet costs. Exits with status 1 unless that is zero: the
//! difference may not exceed a fixed slack (the pools of batches and record buffers fill up
//! to a depth that depends on thread timing, bounded by the channels' depths), whatever the
//! number of extra packets, so one allocation per packet — or per batch — fails loudly.
//! `tests/alloc.rs` runs the same check at a smaller size.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use flowsieve::capture::Source;
use flowsieve::config::Config;
use flowsieve::export::SinkSpec;
use flowsieve::pipeline::{self, RunOptions};
use flowsieve::synth::{write_capture, Mix, Spec};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; we only count.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

/// Allocations the two runs may differ by: batches (16 queued + 2 per worker) and record
/// buffers (4 per worker) allocated while the pools fill up, at most, per run.
pub const SLACK: u64 = 64;

/// Idle timeouts far beyond the capture's span: every flow lives until the end.
const CONFIG: &str = "flows:\n  timeouts:\n    tcp: 3600\n    udp: 3600\n";

/// Allocations of one whole run over `capture`.
fn run(capture: &Path, threads: usize) -> anyhow::Result<u64> {
    let mut config = Config::parse(CONFIG, Path::new("alloc_count.yaml"))?;
    config.threads = threads;
    let source = Source::open_file(capture, None)?;
    let opts = RunOptions {
        sink: SinkSpec::parse("/dev/null"),
        progress: false,
        stop: Arc::new(AtomicBool::new(false)),
        rescan: Arc::new(AtomicBool::new(false)),
    };
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    pipeline::run(&config, source, opts)?;
    Ok(ALLOCATIONS.load(Ordering::Relaxed) - before)
}

/// The extra allocations of the longer run (saturating at 0) and the report behind them.
pub fn measure(
    dir: &Path,
    flows: u64,
    rounds: u32,
    threads: usize,
) -> anyhow::Result<(u64, String)> {
    let spec = |rounds| Spec {
        flows,
        mix: Mix::Long,
        rate: 50_000,
        gap_secs: 15, // longer than tls.wait_seconds: inspection has ended for every flow
        rounds,
    };
    let (short, long) = (dir.join("steady_1.pcap"), dir.join("steady_n.pcap"));
    let p_short = write_capture(&short, &spec(1))?;
    let p_long = write_capture(&long, &spec(1 + rounds))?;
    run(&short, threads)?; // warm-up: compiled-pack cache, thread-local pools
    let a_short = run(&short, threads)?;
    let a_long = run(&long, threads)?;
    let extra = (p_long - p_short) as f64;
    let per_packet = (a_long as f64 - a_short as f64) / extra;
    let report = format!(
        "{threads} worker(s), {flows} flows: {a_short} allocations for {p_short} packets, \
         {a_long} for {p_long}: {per_packet:.6} per steady-state packet"
    );
    Ok((a_long.saturating_sub(a_short), report))
}

#[allow(dead_code)] // tests/alloc.rs includes this file for `measure` only
fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let flows = args.next().and_then(|a| a.parse().ok()).unwrap_or(20_000);
    let rounds = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = tempfile::tempdir()?;
    let mut failed = false;
    for threads in [1, 2] {
        let (extra, report) = measure(dir.path(), flows, rounds, threads)?;
        println!("{report}");
        failed |= extra > SLACK;
    }
    if failed {
        eprintln!(
            "FAIL: the steady-state packet path allocates (more than {SLACK} extra allocations)"
        );
        std::process::exit(1);
    }
    println!("OK: no heap allocation per steady-state packet");
    Ok(())
}

//! The run: one capture thread decodes and dispatches packets in batches, by a symmetric
//! hash of the 5-tuple, to N workers that own their flow tables; one exporter writes.
//!
//! Time is the capture thread's: packet time when reading a file (so `flow_interval` and
//! idle expiry work on pcaps), wall time live. It sends clock ticks to every worker after
//! flushing their batches, so every worker sees the same packets before the same tick, and
//! the records do not depend on the number of workers.

mod dispatch;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use crossbeam_channel::bounded;

use crate::capture::{Mapping, Next, Source};
use crate::classify::{Labels, Selection};
use crate::config::Config;
use crate::decode::Decoder;
use crate::export::{self, SinkSpec};
use crate::flow::table::{PacketView, TableConfig};
use crate::flow::EndReason;
use crate::summary::{CaptureStats, Progress, RunSummary};
use dispatch::Dispatcher;
use flowsieve_tls::{QuicConfig, StreamPrefixConfig, TlsConfig};
use flowsieve_wasm::{ClassifierRuntime, DecisionPolicy, RuntimeConfig};
pub use worker::WorkerStats;
use worker::{FlowPolicy, Outputs};

/// Packets per batch handed to a worker.
const BATCH: usize = 512;
/// Batches in flight per worker before the capture thread waits.
const QUEUE_DEPTH: usize = 16;
/// Housekeeping (idle expiry) period, in microseconds of the run's clock.
const HOUSEKEEPING_US: i64 = 1_000_000;

/// Packets for one worker. Payloads read in place from a mapped capture file are passed by
/// offset; others are copied into one reused buffer (libpcap reuses its own buffer for the
/// next packet).
pub struct Batch {
    pub packets: Vec<Packet>,
    pub bytes: Vec<u8>,
    pub mapping: Option<Arc<Mapping>>,
    /// The worker it was sent to (so the dispatcher knows whose batch came back).
    worker: usize,
    /// Offset of its first payload inside the mapping (`usize::MAX`: none).
    first_mapped: usize,
}

impl Batch {
    fn new(packets: usize, mapping: Option<Arc<Mapping>>) -> Batch {
        Batch {
            packets: Vec::with_capacity(packets),
            bytes: Vec::new(),
            mapping,
            worker: 0,
            first_mapped: usize::MAX,
        }
    }

    /// A packet's captured payload.
    pub fn payload(&self, p: &Packet) -> &[u8] {
        let len = p.payload_caplen as usize;
        if p.payload_at & IN_MAPPING != 0 {
            let at = (p.payload_at & !IN_MAPPING) as usize;
            self.mapping
                .as_ref()
                .and_then(|m| m.bytes().get(at..at + len))
                .unwrap_or(&[])
        } else {
            let at = p.payload_at as usize;
            self.bytes.get(at..at + len).unwrap_or(&[])
        }
    }
}

/// `Packet::payload_at` flag: the offset is into the batch's mapping, not its buffer.
const IN_MAPPING: u64 = 1 << 63;

pub struct Packet {
    pub view: PacketView,
    pub payload_at: u64,
    pub payload_caplen: u32,
}

pub enum ToWorker {
    Packets(Batch),
    /// Clock advanced to `now_us`; when `interval_end_us` is set, an output interval ended.
    Tick {
        now_us: i64,
        interval_end_us: Option<i64>,
    },
    Finish(EndReason),
}

/// Options beyond the config file.
pub struct RunOptions {
    pub sink: SinkSpec,
    pub progress: bool,
    /// Set by SIGINT/SIGTERM (or a failed sink): stop reading and flush every flow.
    pub stop: Arc<AtomicBool>,
    /// Set by SIGHUP: rescan the classifiers directory.
    pub rescan: Arc<AtomicBool>,
}

/// The classifier runtime's settings from the config.
pub fn runtime_config(config: &Config) -> RuntimeConfig {
    let c = &config.classifiers;
    let mut r = RuntimeConfig {
        classifiers_dir: c.dir.clone(),
        watch: c.watch && c.dir.is_some(),
        memory_limit: c.memory_mib.saturating_mul(1 << 20),
        call_deadline: std::time::Duration::from_millis(c.call_deadline_ms),
        fault_threshold: c.fault_threshold,
        recycle_after_calls: c.recycle_after_calls,
        ..RuntimeConfig::default()
    };
    if c.cache_dir.is_some() {
        r.cache_dir = c.cache_dir.clone();
    }
    r
}

fn flow_policy(config: &Config) -> FlowPolicy {
    let (c, t) = (&config.classifiers, &config.tls);
    FlowPolicy {
        decision: DecisionPolicy {
            one_way_packets: c.one_way_packets,
            one_way_wait: std::time::Duration::from_secs(c.one_way_seconds),
            max_offers: c.max_offers,
        },
        inspect: crate::inspect::InspectConfig {
            stream: StreamPrefixConfig {
                max_bytes: t.stream_bytes,
                ..StreamPrefixConfig::default()
            },
            tls: TlsConfig {
                fingerprint_strings: t.fingerprint_strings,
                ..TlsConfig::default()
            },
            quic: QuicConfig::default(),
            prefix_bytes: c.prefix_bytes,
        },
        tls_wait_packets: t.wait_packets,
        tls_wait_us: (t.wait_seconds as i64).saturating_mul(1_000_000),
        export: config.flow_statistics.enabled,
        export_tls: config.flow_statistics.export_tls,
        classify: config.classifiers.enabled,
        out_follows_client: config.direction_method == crate::config::DirectionMethod::Port,
    }
}

/// Runs the whole pipeline over `source` until it ends or `stop` is set.
pub fn run(config: &Config, mut source: Source, opts: RunOptions) -> Result<RunSummary> {
    let workers = config.worker_threads();
    let classifiers = ClassifierRuntime::new(runtime_config(config))
        .context("cannot start the classifier runtime")?;
    let (rec_tx, rec_rx) = bounded::<Vec<u8>>(workers * 4);
    let (buf_tx, buf_rx) = bounded::<Vec<u8>>(workers * 4);
    let exporter = export::spawn(opts.sink.clone(), rec_rx, buf_tx, opts.stop.clone())?;

    let (batch_back_tx, batch_back_rx) = crossbeam_channel::unbounded::<Batch>();
    let live_flows: Vec<Arc<AtomicU64>> =
        (0..workers).map(|_| Arc::new(AtomicU64::new(0))).collect();
    let fs = &config.flow_statistics;
    let mut senders = Vec::with_capacity(workers);
    let mut handles = Vec::with_capacity(workers);
    for (w, live) in live_flows.iter().enumerate() {
        let (tx, rx) = bounded::<ToWorker>(QUEUE_DEPTH);
        let worker = worker::Worker::new(
            TableConfig::from_config(config, w, workers),
            Labels::new(
                classifiers.clone(),
                Selection::new(&fs.protocols, &fs.protocol_categories),
            ),
            classifiers.worker(),
            flow_policy(config),
            Outputs {
                to_exporter: rec_tx.clone(),
                buffers: buf_rx.clone(),
                batches_back: batch_back_tx.clone(),
                live_flows: live.clone(),
            },
        );
        let h = std::thread::Builder::new()
            .name(format!("worker-{w}"))
            .spawn(move || worker.run(rx))
            .context("cannot start a worker thread")?;
        senders.push(tx);
        handles.push(h);
    }
    drop(rec_tx);
    drop(batch_back_tx);

    let mut dispatch = Dispatcher::new(senders, batch_back_rx, BATCH, source.mapping());
    let mut decoder = Decoder::new(source.link_type(), config.flows.decode_tunnels);
    let mut cstats = CaptureStats::default();
    let t = &config.flows.timeouts;
    let max_timeout = [t.tcp, t.tcp_handshake, t.tcp_closed, t.udp, t.icmp, t.other]
        .into_iter()
        .max()
        .unwrap_or(0);
    let mut clock = Clock::new(fs.output_interval, max_timeout);
    let mut ticks = Vec::new();
    let mut progress = Progress::new(opts.progress);
    let live = source.is_live();
    let mut damaged = None;

    loop {
        if opts.stop.load(Ordering::Relaxed) {
            break;
        }
        if opts.rescan.swap(false, Ordering::Relaxed) {
            rescan_in_background(&classifiers);
        }
        match source.next_packet() {
            Next::Packet {
                ts_us,
                data,
                wire_len,
            } => {
                cstats.packets += 1;
                cstats.wire_bytes += wire_len as u64;
                cstats.first_us.get_or_insert(ts_us);
                cstats.last_us = Some(ts_us);
                let now = if live { wall_us() } else { ts_us };
                clock.advance(now, &mut ticks);
                for tick in ticks.drain(..) {
                    dispatch.broadcast_tick(tick)?;
                }
                match decoder.decode(ts_us, data, wire_len) {
                    Ok(d) => dispatch.push(
                        PacketView {
                            ts_us,
                            key: d.key,
                            from_a: d.from_a,
                            tcp: d.tcp,
                            payload_len: d.payload_len,
                        },
                        d.payload,
                    )?,
                    Err(e) => cstats.errors.count(e),
                }
                if progress.due(cstats.packets) {
                    progress.show(
                        &cstats,
                        live_flows.iter().map(|f| f.load(Ordering::Relaxed)).sum(),
                    );
                }
            }
            Next::Timeout => {
                dispatch.flush()?;
                clock.advance(wall_us(), &mut ticks);
                for tick in ticks.drain(..) {
                    dispatch.broadcast_tick(tick)?;
                }
            }
            Next::End => break,
            Next::Damaged(reason) => {
                damaged = Some(reason);
                break;
            }
        }
    }
    progress.clear();
    let signalled = opts.stop.load(Ordering::Relaxed);
    let reason = if signalled {
        EndReason::Shutdown
    } else {
        EndReason::EndOfInput
    };
    if live {
        cstats.kernel = source.drops();
    }
    dispatch.finish(reason)?;

    let mut wstats = WorkerStats::default();
    for h in handles {
        let s = h
            .join()
            .map_err(|_| anyhow::anyhow!("a worker thread panicked"))?;
        wstats.merge(&s);
    }
    let estats = exporter
        .join()
        .map_err(|_| anyhow::anyhow!("the exporter thread panicked"))??;
    let packs = classifiers.packs();
    // A failed output sets the same stop flag as a signal.
    let interrupted = signalled && estats.failed.is_none();
    Ok(RunSummary {
        packs,
        capture: cstats,
        workers: wstats,
        export: estats,
        damaged,
        interrupted,
        threads: workers,
        link: decoder.link_type(),
    })
}

/// SIGHUP: rescan the rule directory off the packet path.
fn rescan_in_background(runtime: &Arc<ClassifierRuntime>) {
    if runtime.config().watch {
        runtime.request_rescan();
    } else {
        let rt = runtime.clone();
        let _ = std::thread::Builder::new()
            .name("rescan".into())
            .spawn(move || {
                let report = rt.rescan();
                tracing::info!(?report, "classifiers rescanned");
            });
    }
}

fn wall_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// The run's clock: when to expire idle flows and where output intervals end.
///
/// Every interval boundary the clock passes is a tick, also across a gap in the traffic, so
/// a pcap gets the same `flow_interval` records a live capture of the same traffic would.
/// Across a gap longer than the longest idle timeout only the boundaries up to that timeout
/// matter (every flow has expired by then), so a capture that jumps years costs nothing.
struct Clock {
    interval_us: i64,
    /// Boundaries after which no flow can still be alive, when nothing arrives.
    max_gap_boundaries: i64,
    now_us: Option<i64>,
    next_housekeeping: i64,
    /// Start of the current output interval (a multiple of the interval).
    interval_start: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub now_us: i64,
    pub interval_end_us: Option<i64>,
}

impl Clock {
    fn new(interval_secs: u64, max_timeout_secs: u64) -> Clock {
        let interval_secs = interval_secs.max(1);
        Clock {
            interval_us: (interval_secs as i64).saturating_mul(1_000_000),
            max_gap_boundaries: (max_timeout_secs / interval_secs) as i64 + 2,
            now_us: None,
            next_housekeeping: i64::MIN,
            interval_start: i64::MIN,
        }
    }

    /// Moves the clock to `t` (it never goes back) and appends the ticks that are due.
    fn advance(&mut self, t: i64, ticks: &mut Vec<Tick>) {
        let now = match self.now_us {
            None => {
                self.now_us = Some(t);
                self.next_housekeeping = t.saturating_add(HOUSEKEEPING_US);
                self.interval_start = t.div_euclid(self.interval_us) * self.interval_us;
                return;
            }
            Some(n) if t <= n => return,
            Some(_) => t,
        };
        self.now_us = Some(now);
        let last = now.div_euclid(self.interval_us) * self.interval_us;
        let crossed = (last - self.interval_start) / self.interval_us;
        for k in 1..=crossed.min(self.max_gap_boundaries) {
            let b = self.interval_start + k * self.interval_us;
            ticks.push(Tick {
                now_us: b,
                interval_end_us: Some(b),
            });
        }
        if crossed > self.max_gap_boundaries {
            ticks.push(Tick {
                now_us: last,
                interval_end_us: Some(last),
            });
        }
        self.interval_start = last;
        if now >= self.next_housekeeping || crossed > 0 {
            self.next_housekeeping = now.saturating_add(HOUSEKEEPING_US);
            ticks.push(Tick {
                now_us: now,
                interval_end_us: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends(ticks: &[Tick]) -> Vec<i64> {
        ticks
            .iter()
            .filter_map(|t| t.interval_end_us)
            .map(|b| b / 1_000_000)
            .collect()
    }

    #[test]
    fn clock_ticks_on_every_boundary_and_every_second() {
        let mut c = Clock::new(10, 300);
        let mut t = Vec::new();
        c.advance(5_500_000, &mut t);
        c.advance(6_000_000, &mut t);
        assert!(t.is_empty());
        c.advance(6_600_000, &mut t);
        assert_eq!(
            t,
            vec![Tick {
                now_us: 6_600_000,
                interval_end_us: None
            }]
        );
        t.clear();
        c.advance(10_000_001, &mut t);
        assert_eq!(ends(&t), vec![10]);
        assert_eq!(t.last().map(|t| t.now_us), Some(10_000_001));
        // Time going back is ignored; a gap ends every interval it spans.
        t.clear();
        c.advance(9_000_000, &mut t);
        assert!(t.is_empty());
        c.advance(45_000_000, &mut t);
        assert_eq!(ends(&t), vec![20, 30, 40]);
    }

    #[test]
    fn a_jump_of_years_costs_only_the_timeout_horizon() {
        let mut c = Clock::new(60, 300);
        let mut t = Vec::new();
        c.advance(0, &mut t);
        c.advance(10 * 365 * 86_400 * 1_000_000, &mut t);
        let e = ends(&t);
        assert_eq!(e.len(), 8); // 7 boundaries cover 300 s of idle timeout, then the last
        assert_eq!(e[..3], [60, 120, 180]);
        assert_eq!(*e.last().unwrap_or(&0), 10 * 365 * 86_400);
    }
}

//! Progress on stderr while reading, and the one-screen summary at the end.

use std::fmt;
use std::io::Write;
use std::time::Instant;

use crate::decode::{DecodeErrorCounts, LinkType};
use crate::export::ExportStats;
use crate::pipeline::WorkerStats;
use flowsieve_wasm::PackStats;

#[derive(Debug, Default, Clone)]
pub struct CaptureStats {
    pub packets: u64,
    pub wire_bytes: u64,
    pub errors: DecodeErrorCounts,
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
    /// Live capture: (received, dropped by the kernel, dropped by the interface).
    pub kernel: Option<(u32, u32, u32)>,
}

pub struct RunSummary {
    /// Rule packs loaded at the end of the run, with their fault counts.
    pub packs: Vec<PackStats>,
    pub capture: CaptureStats,
    pub workers: WorkerStats,
    pub export: ExportStats,
    /// Why reading stopped early, when the file is damaged.
    pub damaged: Option<String>,
    pub interrupted: bool,
    pub threads: usize,
    pub link: LinkType,
}

/// Rewrites one status line on stderr about once a second.
pub struct Progress {
    enabled: bool,
    started: Instant,
    last: Instant,
    shown: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        let now = Instant::now();
        Progress {
            enabled,
            started: now,
            last: now,
            shown: false,
        }
    }

    /// Cheap check, called per packet: looks at the clock every 64 Ki packets only.
    pub fn due(&mut self, packets: u64) -> bool {
        self.enabled && packets.trailing_zeros() >= 16 && self.last.elapsed().as_secs() >= 1
    }

    pub fn show(&mut self, c: &CaptureStats, live_flows: u64) {
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(1e-9);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r{} packets  {} active flows  {:.0} packets/s   ",
            c.packets,
            live_flows,
            c.packets as f64 / secs
        );
        self.shown = true;
    }

    pub fn clear(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr().lock(), "\r{:60}\r", "");
        }
    }
}

impl fmt::Display for RunSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.capture;
        let w = &self.workers;
        writeln!(f, "flowsieve summary")?;
        writeln!(
            f,
            "  packets      {} ({} bytes on the wire), link type {}",
            c.packets,
            c.wire_bytes,
            self.link.name()
        )?;
        if let (Some(a), Some(b)) = (c.first_us, c.last_us) {
            writeln!(
                f,
                "  time span    {:.3} s of packet time",
                (b - a) as f64 / 1e6
            )?;
        }
        writeln!(
            f,
            "  flows        {} ({} worker threads)",
            w.flows, self.threads
        )?;
        let mut labels: Vec<_> = w.flows_by_label.iter().collect();
        labels.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for ((p, c), n) in labels.iter().take(12) {
            writeln!(f, "    {p:<22} {c:<16} {n}")?;
        }
        if labels.len() > 12 {
            writeln!(f, "    ... {} more protocols", labels.len() - 12)?;
        }
        let mut cats: std::collections::BTreeMap<&str, u64> = Default::default();
        for ((_, c), n) in &w.flows_by_label {
            *cats.entry(c.as_str()).or_default() += n;
        }
        let cats: Vec<String> = cats.iter().map(|(c, n)| format!("{c} {n}")).collect();
        writeln!(f, "  categories   {}", cats.join(", "))?;
        let mut ends: Vec<_> = w.ended_by_reason.iter().collect();
        ends.sort();
        let ends: Vec<String> = ends.iter().map(|(r, n)| format!("{r} {n}")).collect();
        writeln!(f, "  flow ends    {}", ends.join(", "))?;
        writeln!(
            f,
            "  tls          {} flows with a TLS/DTLS/QUIC handshake",
            w.tls_flows
        )?;
        let packs: Vec<String> = self
            .packs
            .iter()
            .map(|p| {
                let q = if p.quarantined { ", QUARANTINED" } else { "" };
                let rules = match p.rules.len() {
                    1 => "1 rule".to_string(),
                    n => format!("{n} rules"),
                };
                format!("{} {} ({rules}, {} faults{q})", p.name, p.version, p.faults)
            })
            .collect();
        writeln!(f, "  rule packs   {}", packs.join("; "))?;
        writeln!(
            f,
            "  records      flow_start {}, flow_interval {}, flow_end {} ({} bytes)",
            w.records[0], w.records[1], w.records[2], self.export.bytes
        )?;
        if let Some(failed) = &self.export.failed {
            writeln!(f, "  OUTPUT FAILED {failed}")?;
        }
        for k in &self.export.sinks {
            write_sink(f, k)?;
        }
        let errs: Vec<String> = c
            .errors
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(e, n)| format!("{} {}", e.name(), n))
            .collect();
        if errs.is_empty() {
            writeln!(f, "  skipped      none")?;
        } else {
            writeln!(f, "  skipped      {}", errs.join(", "))?;
        }
        if let Some((recv, drop, ifdrop)) = c.kernel {
            writeln!(
                f,
                "  kernel       received {recv}, dropped {drop}, interface dropped {ifdrop}"
            )?;
        }
        if let Some(d) = &self.damaged {
            writeln!(f, "  DAMAGED      input ends early: {d}")?;
        }
        if self.interrupted {
            writeln!(f, "  stopped      by signal; every open flow was flushed")?;
        }
        Ok(())
    }
}

/// One sink's line(s): what was delivered, and every record that was not.
fn write_sink(f: &mut fmt::Formatter<'_>, k: &crate::export::SinkStats) -> fmt::Result {
    write!(
        f,
        "  {:<12} delivered {} records in {} batches",
        k.name, k.delivered, k.batches
    )?;
    let secs = k.send_time.as_secs_f64();
    if k.delivered > 0 && secs > 0.0 {
        write!(
            f,
            ", {:.0} records/s while sending",
            k.delivered as f64 / secs
        )?;
    }
    if k.recovered > 0 {
        write!(f, " ({} from an earlier run's spool)", k.recovered)?;
    }
    writeln!(f)?;
    if k.failures > 0 {
        writeln!(
            f,
            "               {} failed attempts, retried (last: {})",
            k.failures,
            k.last_error.as_deref().unwrap_or("?")
        )?;
    }
    if k.spooled > 0 || k.blocked_ms > 0 {
        writeln!(
            f,
            "               {} records went through the spool; the pipeline waited {} ms on a full spool",
            k.spooled, k.blocked_ms
        )?;
    }
    if k.dropped > 0 {
        writeln!(
            f,
            "               DROPPED {} records: spool full (when_full: drop)",
            k.dropped
        )?;
    }
    if k.rejected > 0 {
        writeln!(
            f,
            "               REJECTED {} records refused by the sink (kept in {}/rejected.jsonl)",
            k.rejected, k.spool_dir
        )?;
    }
    if k.left_in_spool > 0 {
        writeln!(
            f,
            "               LEFT {} records in the spool {} (sent at the next start)",
            k.left_in_spool, k.spool_dir
        )?;
    }
    Ok(())
}

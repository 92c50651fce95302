//! Runs one sink: an intake thread that cuts record chunks into batches (by count and by age)
//! and queues them, and a sender thread that delivers the queue in order, with retries.
//!
//! The queue is a few batches in memory, then the on-disk spool: once anything is spooled,
//! newer batches are spooled behind it until the spool drains, so the order never changes.
//! When the spool is full, `when_full` decides: block the intake (back-pressure up to the
//! capture) or drop the newest batch with a counter. At the end of the run the sender keeps
//! trying for `shutdown_timeout_s`; what is still undelivered then is written to the spool and
//! sent at the next start. Every record is delivered, spooled, counted as dropped, or counted
//! as rejected by the sink: none goes missing without a number in the summary.

use std::collections::VecDeque;
use std::fs::OpenOptions;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender};

use super::config::{Common, WhenFull};
use super::sink::{Batch, Sink, SinkStats};
use super::spool::Spool;
use super::ExportError;

/// Record chunks waiting for a sink's intake.
const CHANNEL_DEPTH: usize = 16;

struct State {
    mem: VecDeque<Batch>,
    spool: Spool,
    /// The intake has queued its last batch.
    closed: bool,
    spooled: u64,
    dropped: u64,
    blocked: Duration,
    spool_failed: bool,
}

struct Shared {
    state: Mutex<State>,
    cv: Condvar,
    name: String,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock is a bug elsewhere; keep the data usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct SinkHandle {
    pub tx: Sender<Arc<[u8]>>,
    intake: JoinHandle<()>,
    sender: JoinHandle<SinkStats>,
    shared: Arc<Shared>,
}

impl SinkHandle {
    /// Waits for both threads (the caller dropped `tx` first) and returns the run's numbers.
    pub fn finish(self) -> SinkStats {
        let SinkHandle {
            tx,
            intake,
            sender,
            shared,
        } = self;
        drop(tx);
        let _ = intake.join();
        let mut stats = sender.join().unwrap_or_else(|_| SinkStats {
            name: shared.name.clone(),
            last_error: Some("sender thread panicked".into()),
            ..SinkStats::default()
        });
        let st = shared.lock();
        stats.spooled = st.spooled;
        stats.dropped = st.dropped;
        stats.blocked_ms = st.blocked.as_millis() as u64;
        stats.left_in_spool =
            st.spool.records() + st.mem.iter().map(|b| b.records as u64).sum::<u64>();
        stats.spool_dir = st.spool.dir().display().to_string();
        stats
    }
}

/// Starts the two threads of one sink.
pub fn start(
    name: &str,
    sink: Box<dyn Sink>,
    common: Common,
    stop: Arc<AtomicBool>,
) -> Result<SinkHandle, ExportError> {
    let max_bytes = (common.spool.max_mb * (1 << 20) as f64) as u64;
    let (spool, rec) =
        Spool::open(&common.spool_dir, max_bytes).map_err(|e| ExportError::Sink {
            key: format!("{name}.spool.dir"),
            message: format!("cannot open the spool {}: {e}", common.spool_dir.display()),
        })?;
    if rec.torn_bytes > 0 {
        tracing::warn!(
            sink = name,
            bytes = rec.torn_bytes,
            "spool had a torn last entry (a crash while writing it); it was cut off"
        );
    }
    if rec.records > 0 {
        tracing::info!(
            sink = name,
            records = rec.records,
            "replaying records spooled by an earlier run"
        );
    }
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            mem: VecDeque::new(),
            spool,
            closed: false,
            spooled: 0,
            dropped: 0,
            blocked: Duration::ZERO,
            spool_failed: false,
        }),
        cv: Condvar::new(),
        name: name.to_string(),
    });
    let (tx, rx) = bounded::<Arc<[u8]>>(CHANNEL_DEPTH);
    let spawn_err = |e: std::io::Error| ExportError::Sink {
        key: name.to_string(),
        message: format!("cannot start its threads: {e}"),
    };
    let intake = {
        let (shared, common, stop) = (shared.clone(), common.clone(), stop.clone());
        std::thread::Builder::new()
            .name(format!("{name}-intake"))
            .spawn(move || intake(rx, &shared, &common, &stop))
            .map_err(spawn_err)?
    };
    let sender = {
        let shared = shared.clone();
        let mut stats = SinkStats {
            name: name.to_string(),
            recovered: rec.records,
            ..SinkStats::default()
        };
        std::thread::Builder::new()
            .name(format!("{name}-sender"))
            .spawn(move || {
                sender(sink, &shared, &common, &mut stats);
                stats
            })
            .map_err(spawn_err)?
    };
    Ok(SinkHandle {
        tx,
        intake,
        sender,
        shared,
    })
}

fn intake(rx: Receiver<Arc<[u8]>>, shared: &Shared, common: &Common, stop: &AtomicBool) {
    let flush = Duration::from_millis(common.batch.flush_ms);
    let mut batch = Batch::default();
    let mut deadline: Option<Instant> = None;
    loop {
        let msg = match deadline {
            Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(chunk) => {
                for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    if batch.records == 0 {
                        deadline = Some(Instant::now() + flush);
                    }
                    batch.lines.extend_from_slice(line);
                    batch.lines.push(b'\n');
                    batch.records += 1;
                    if batch.records as usize >= common.batch.count {
                        enqueue(shared, common, stop, std::mem::take(&mut batch));
                        deadline = None;
                    }
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                enqueue(shared, common, stop, std::mem::take(&mut batch));
                deadline = None;
            }
            Err(RecvTimeoutError::Disconnected) => {
                if batch.records > 0 {
                    enqueue(shared, common, stop, batch);
                }
                shared.lock().closed = true;
                shared.cv.notify_all();
                return;
            }
        }
    }
}

fn enqueue(shared: &Shared, common: &Common, stop: &AtomicBool, batch: Batch) {
    if batch.records == 0 {
        return;
    }
    let mut st = shared.lock();
    let mut warned = false;
    loop {
        if st.spool.is_empty() && st.mem.len() < common.spool.memory_batches {
            st.mem.push_back(batch);
            shared.cv.notify_all();
            return;
        }
        let stopping = stop.load(Ordering::Relaxed);
        // Past the bound only when stopping under `block`: the run must end, and the records
        // must not be lost.
        let over_ok = stopping && common.spool.when_full == WhenFull::Block;
        if !st.spool_failed && (st.spool.fits(&batch) || over_ok) {
            match st.spool.push(&batch) {
                Ok(()) => {
                    st.spooled += batch.records as u64;
                    shared.cv.notify_all();
                    return;
                }
                Err(e) => {
                    tracing::error!(sink = %shared.name, error = %e, "cannot write to the spool; treating it as full");
                    st.spool_failed = true;
                }
            }
        }
        match common.spool.when_full {
            WhenFull::Drop => {
                if st.dropped == 0 {
                    tracing::warn!(sink = %shared.name, "spool full: dropping records (when_full: drop); the summary counts them");
                }
                st.dropped += batch.records as u64;
                return;
            }
            WhenFull::Block => {
                if !warned {
                    tracing::warn!(sink = %shared.name, "spool full: holding the pipeline until the sink catches up (when_full: block)");
                    warned = true;
                }
                let t0 = Instant::now();
                let (g, _) = shared
                    .cv
                    .wait_timeout(st, Duration::from_millis(100))
                    .unwrap_or_else(|p| p.into_inner());
                st = g;
                st.blocked += t0.elapsed();
                // A spool that failed to write may work again after a drain.
                if st.spool.is_empty() {
                    st.spool_failed = false;
                }
            }
        }
    }
}

/// Where the batch being delivered came from.
enum Origin {
    Mem,
    Spool(Batch),
}

fn sender(mut sink: Box<dyn Sink>, shared: &Shared, common: &Common, stats: &mut SinkStats) {
    let name = shared.name.as_str();
    let initial = Duration::from_millis(common.retry.initial_ms);
    let mut backoff = initial;
    let mut prepared = false;
    let mut closed_at: Option<Instant> = None;
    let shutdown = Duration::from_secs(common.retry.shutdown_timeout_s);
    // (batch still to deliver, where it came from)
    let mut current: Option<(Batch, Origin)> = None;
    loop {
        if current.is_none() {
            let mut st = shared.lock();
            loop {
                if let Some(b) = st.mem.front() {
                    current = Some((b.clone(), Origin::Mem));
                    break;
                }
                match st.spool.peek() {
                    Ok(Some(b)) => {
                        current = Some((b.clone(), Origin::Spool(b)));
                        break;
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(sink = name, error = %e, "cannot read the spool; its records stay on disk");
                        stats.last_error = Some(format!("spool read: {e}"));
                        return;
                    }
                }
                if st.closed {
                    return;
                }
                st = shared
                    .cv
                    .wait_timeout(st, Duration::from_millis(200))
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
        }
        let Some((batch, _)) = current.as_ref() else {
            continue;
        };
        let t0 = Instant::now();
        let result = if prepared { Ok(()) } else { sink.prepare() }.and_then(|()| {
            prepared = true;
            sink.send(batch)
        });
        match result {
            Ok(d) => {
                stats.send_time += t0.elapsed();
                if stats.failures > 0 && backoff > initial {
                    tracing::info!(sink = name, "sink reachable again");
                }
                backoff = initial;
                if !d.rejected.is_empty() {
                    reject(common, name, batch, &d.rejected, d.reject_reason.as_deref());
                    stats.rejected += d.rejected.len() as u64;
                }
                let retried = d.retry.len();
                let taken = batch.records as usize - retried - d.rejected.len();
                stats.delivered += taken as u64;
                if retried > 0 {
                    stats.failures += 1;
                    stats.last_error = Some(format!("{retried} records to retry"));
                    if let Some((b, _)) = current.as_mut() {
                        *b = b.subset(&d.retry);
                    }
                    if pause(shared, &mut closed_at, shutdown, backoff) {
                        break;
                    }
                    backoff = (backoff * 2).min(Duration::from_millis(common.retry.max_ms));
                    continue;
                }
                stats.batches += 1;
                let mut st = shared.lock();
                match current.take() {
                    Some((_, Origin::Mem)) => {
                        st.mem.pop_front();
                    }
                    Some((_, Origin::Spool(orig))) => {
                        if let Err(e) = st.spool.pop(&orig) {
                            tracing::error!(sink = name, error = %e, "cannot advance the spool head (a batch may be sent twice)");
                        }
                    }
                    None => {}
                }
                shared.cv.notify_all();
            }
            Err(e) => {
                stats.failures += 1;
                let msg = e.to_string();
                if stats.last_error.as_deref() != Some(msg.as_str()) || backoff == initial {
                    tracing::warn!(sink = name, error = %msg, retry_in_ms = backoff.as_millis() as u64, "delivery failed; batches wait in memory, then in the spool");
                }
                stats.last_error = Some(msg);
                prepared = false;
                if pause(shared, &mut closed_at, shutdown, backoff) {
                    break;
                }
                backoff = (backoff * 2).min(Duration::from_millis(common.retry.max_ms));
            }
        }
    }
    // Gave up at shutdown: keep what is still in memory, before the spooled batches.
    let mut st = shared.lock();
    let mut keep: Vec<Batch> = st.mem.drain(..).collect();
    if let Some((b, Origin::Mem)) = current.take() {
        // The front may have been cut down to the records still to retry.
        if let Some(front) = keep.first_mut() {
            *front = b;
        }
    }
    let n: u64 = keep.iter().map(|b| b.records as u64).sum();
    match st.spool.prepend(&keep) {
        Ok(()) => {
            st.spooled += n;
            tracing::warn!(sink = name, records = st.spool.records(), dir = %st.spool.dir().display(), "sink still failing at shutdown: records kept in the spool for the next start");
        }
        Err(e) => {
            tracing::error!(sink = name, records = n, error = %e, "cannot spool the undelivered records at shutdown");
            st.mem.extend(keep);
        }
    }
}

/// Sleeps `backoff` (in short steps), noting when the intake closed. True when the shutdown
/// grace period is over and the sender should give up.
fn pause(
    shared: &Shared,
    closed_at: &mut Option<Instant>,
    shutdown: Duration,
    backoff: Duration,
) -> bool {
    let until = Instant::now() + backoff;
    loop {
        if closed_at.is_none() && shared.lock().closed {
            *closed_at = Some(Instant::now());
        }
        if let Some(t) = closed_at {
            if t.elapsed() >= shutdown {
                return true;
            }
        }
        let now = Instant::now();
        if now >= until {
            return false;
        }
        std::thread::sleep((until - now).min(Duration::from_millis(50)));
    }
}

/// Keeps records a sink refused for good, so they can be looked at and re-sent by hand.
fn reject(common: &Common, name: &str, batch: &Batch, idx: &[usize], reason: Option<&str>) {
    tracing::warn!(
        sink = name,
        records = idx.len(),
        reason = reason.unwrap_or("?"),
        "records rejected by the sink; kept in rejected.jsonl in the spool directory"
    );
    let path = common.spool_dir.join("rejected.jsonl");
    let res = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(&batch.subset(idx).lines));
    if let Err(e) = res {
        tracing::error!(sink = name, path = %path.display(), error = %e, "cannot keep rejected records");
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::{Batching, Retry, SpoolConfig};
    use super::super::sink::{Delivery, SinkError};
    use super::*;

    /// Fails its first `fail` sends, then takes every other record of a batch once (the rest
    /// are answered "retry"), recording what it took.
    struct Flaky {
        fail: usize,
        got: Arc<Mutex<Vec<String>>>,
        calls: usize,
    }

    impl Sink for Flaky {
        fn send(&mut self, b: &Batch) -> Result<Delivery, SinkError> {
            self.calls += 1;
            if self.calls <= self.fail {
                return Err(SinkError::Transient("down".into()));
            }
            let mut d = Delivery::all();
            for (i, r) in b.iter().enumerate() {
                if b.records > 1 && i % 2 == 1 && self.calls.is_multiple_of(2) {
                    d.retry.push(i);
                } else {
                    self.got
                        .lock()
                        .unwrap()
                        .push(String::from_utf8(r.to_vec()).unwrap());
                }
            }
            Ok(d)
        }
    }

    fn common(dir: &std::path::Path, count: usize, flush_ms: u64) -> Common {
        Common {
            batch: Batching { count, flush_ms },
            retry: Retry {
                initial_ms: 1,
                max_ms: 5,
                shutdown_timeout_s: 30,
            },
            spool: SpoolConfig {
                memory_batches: 1,
                ..SpoolConfig::default()
            },
            spool_dir: dir.to_path_buf(),
        }
    }

    #[test]
    fn order_kept_through_failures_spool_and_partial_retries() {
        let dir = tempfile::tempdir().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Flaky {
            fail: 20,
            got: got.clone(),
            calls: 0,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let h = start("t", Box::new(sink), common(dir.path(), 5, 1000), stop).unwrap();
        let mut want = Vec::new();
        for c in 0..100 {
            let mut chunk = String::new();
            for r in 0..3 {
                let line = format!("{{\"c\":{c},\"r\":{r}}}");
                chunk.push_str(&line);
                chunk.push('\n');
                want.push(line);
            }
            h.tx.send(Arc::from(chunk.into_bytes())).unwrap();
        }
        let stats = h.finish();
        assert_eq!(stats.delivered, 300);
        assert_eq!(stats.left_in_spool, 0);
        assert!(
            stats.spooled > 0,
            "the failures should have pushed batches to disk"
        );
        assert!(stats.failures >= 20);
        // Retried records come after the rest of their batch, but batches stay in order.
        let got = got.lock().unwrap();
        let mut sorted_got = got.clone();
        sorted_got.sort();
        let mut sorted_want = want.clone();
        sorted_want.sort();
        assert_eq!(sorted_got, sorted_want);
        let batch_of = |s: &str| want.iter().position(|w| w == s).unwrap() / 5;
        let batches: Vec<usize> = got.iter().map(|s| batch_of(s)).collect();
        assert!(batches.windows(2).all(|w| w[0] <= w[1]), "{batches:?}");
    }

    #[test]
    fn partial_batch_leaves_after_flush_ms() {
        let dir = tempfile::tempdir().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Flaky {
            fail: 0,
            got: got.clone(),
            calls: 1,
        };
        let stop = Arc::new(AtomicBool::new(false));
        let h = start("t", Box::new(sink), common(dir.path(), 1000, 50), stop).unwrap();
        h.tx.send(Arc::from(&b"{\"a\":1}\n"[..])).unwrap();
        let t0 = Instant::now();
        while got.lock().unwrap().is_empty() && t0.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(got.lock().unwrap().len(), 1, "not flushed by age");
        assert!(t0.elapsed() < Duration::from_secs(2));
        assert_eq!(h.finish().delivered, 1);
    }
}

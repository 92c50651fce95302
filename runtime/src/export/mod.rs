//! The exporter thread: owns the sinks and feeds them the workers' record chunks.
//!
//! - JSON lines to stdout or a file (`json`), the default. A failure there (disk full, closed
//!   pipe) stops the run: the capture thread is told to stop, the open flows are flushed to
//!   the other sinks, a file keeps its whole records only, and the run's result says what
//!   failed (the command exits non-zero).
//! - Kafka, ClickHouse, InfluxDB, Elasticsearch (`kafka`, `clickhouse`, `influxdb`,
//!   `elasticsearch`), each run by `runner` on threads of its own with batching, retries with
//!   backoff and a bounded on-disk spool (`spool`); a sink that is down does not stop the run.
//!
//! Channels are bounded, so a slow output slows the workers (and then the capture) instead of
//! dropping records, unless a sink's spool policy says to drop (and count).

pub mod clickhouse;
pub mod config;
pub mod elasticsearch;
mod http;
pub mod influxdb;
mod json;
pub mod kafka;
mod runner;
pub mod sink;
pub mod spool;

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Receiver, Sender};
use thiserror::Error;

pub use json::JsonTarget;
pub use sink::SinkStats;

use config::{ClickHouseConfig, Common, ElasticConfig, InfluxConfig, KafkaConfig};
use sink::{Sink, SinkKind};

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("cannot create output file {path}: {source}")]
    Create { path: PathBuf, source: io::Error },
    #[error("writing records to {target} failed: {source}")]
    Write { target: String, source: io::Error },
    #[error("{key}: {message}")]
    Sink { key: String, message: String },
}

/// A sink ready to start: which one, the sink itself, its batching/retry/spool settings.
type SinkSetup = (SinkKind, Box<dyn Sink>, Common);

/// Every output of a run: the JSON lines (unless turned off) and the enabled sinks.
#[derive(Debug, Clone, Default)]
pub struct SinkSpec {
    pub json: Option<JsonTarget>,
    pub kafka: Option<KafkaConfig>,
    pub clickhouse: Option<ClickHouseConfig>,
    pub influxdb: Option<InfluxConfig>,
    pub elasticsearch: Option<ElasticConfig>,
    /// The seed's `temp_path`: spools default to `<temp_path>/spool/<sink>`.
    pub temp_path: PathBuf,
}

impl SinkSpec {
    /// JSON lines only: `-` for stdout, otherwise a file path.
    pub fn parse(s: &str) -> SinkSpec {
        SinkSpec {
            json: Some(JsonTarget::parse(s)),
            ..SinkSpec::default()
        }
    }

    /// The outputs the config enables; `json` overrides `output.file` (the `-o` option).
    pub fn from_config(c: &crate::config::Config, json: Option<&str>) -> SinkSpec {
        let on = |b: bool| b.then_some(());
        SinkSpec {
            json: match json {
                Some(s) => Some(JsonTarget::parse(s)),
                None => on(c.output.enabled).map(|()| JsonTarget::parse(&c.output.file)),
            },
            kafka: on(c.kafka.enabled).map(|()| c.kafka.clone()),
            clickhouse: on(c.clickhouse.enabled).map(|()| c.clickhouse.clone()),
            influxdb: on(c.influxdb.enabled).map(|()| c.influxdb.clone()),
            elasticsearch: on(c.elasticsearch.enabled).map(|()| c.elasticsearch.clone()),
            temp_path: c.temp_path.clone(),
        }
    }

    /// No JSON lines and no sink: the records would go nowhere.
    pub fn is_empty(&self) -> bool {
        self.json.is_none()
            && self.kafka.is_none()
            && self.clickhouse.is_none()
            && self.influxdb.is_none()
            && self.elasticsearch.is_none()
    }

    /// Builds the enabled sinks (errors name the config key).
    fn sinks(&self) -> Result<Vec<SinkSetup>, ExportError> {
        let t = &self.temp_path;
        let mut v: Vec<SinkSetup> = Vec::new();
        if let Some(k) = &self.kafka {
            let c = Common::new(&k.batch, &k.retry, &k.spool, t, "kafka");
            v.push((SinkKind::Kafka, Box::new(kafka::KafkaSink::new(k)?), c));
        }
        if let Some(k) = &self.clickhouse {
            let c = Common::new(&k.batch, &k.retry, &k.spool, t, "clickhouse");
            v.push((
                SinkKind::ClickHouse,
                Box::new(clickhouse::ClickHouseSink::new(k)),
                c,
            ));
        }
        if let Some(k) = &self.influxdb {
            let c = Common::new(&k.batch, &k.retry, &k.spool, t, "influxdb");
            v.push((
                SinkKind::InfluxDb,
                Box::new(influxdb::InfluxSink::new(k)),
                c,
            ));
        }
        if let Some(k) = &self.elasticsearch {
            let c = Common::new(&k.batch, &k.retry, &k.spool, t, "elasticsearch");
            v.push((
                SinkKind::Elasticsearch,
                Box::new(elasticsearch::ElasticSink::new(k)?),
                c,
            ));
        }
        Ok(v)
    }
}

#[derive(Debug, Default, Clone)]
pub struct ExportStats {
    /// Bytes of JSON lines written (whole records).
    pub bytes: u64,
    /// JSON records written.
    pub records: u64,
    /// The JSON output failed (disk full, closed pipe): the run stopped there.
    pub failed: Option<OutputFailure>,
    pub sinks: Vec<SinkStats>,
}

/// Why and where the JSON output failed, and what it holds.
#[derive(Debug, Clone)]
pub struct OutputFailure {
    /// Names the output and the system's error.
    pub message: String,
    /// Whole records written before the failure.
    pub records: u64,
    /// A file's partly written last record was removed.
    pub cut: bool,
}

impl std::fmt::Display for OutputFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}; the {} records written before it are whole",
            self.message, self.records
        )?;
        if self.cut {
            write!(f, " (the cut record after them was removed)")?;
        }
        Ok(())
    }
}

/// Starts the exporter. It runs until every sender of `rx` is gone, then lets each sink
/// deliver (or spool) what it holds.
pub fn spawn(
    spec: SinkSpec,
    rx: Receiver<Vec<u8>>,
    recycle: Sender<Vec<u8>>,
    stop: Arc<AtomicBool>,
) -> Result<JoinHandle<Result<ExportStats, ExportError>>, ExportError> {
    let mut json = match &spec.json {
        Some(t) => Some((t.open()?, t.describe())),
        None => None,
    };
    let mut handles = Vec::new();
    for (kind, sink, common) in spec.sinks()? {
        handles.push(runner::start(kind.key(), sink, common, stop.clone())?);
    }
    let handle = std::thread::Builder::new()
        .name("exporter".into())
        .spawn(move || {
            let mut stats = ExportStats::default();
            let mut failed: Option<(json::WriteFailure, String)> = None;
            for mut chunk in rx {
                if failed.is_none() {
                    if let Some((w, target)) = json.as_mut() {
                        if let Err(e) = w.write_chunk(&chunk) {
                            // Nothing more can be written there: stop reading, let the
                            // workers flush their flows (to the other sinks, if any).
                            stop.store(true, Ordering::Relaxed);
                            failed = Some((e, target.clone()));
                        }
                    }
                }
                if !handles.is_empty() {
                    let shared: Arc<[u8]> = Arc::from(chunk.as_slice());
                    for h in &handles {
                        // A sink's intake only goes away at the end; nothing to do then.
                        let _ = h.tx.send(shared.clone());
                    }
                }
                chunk.clear();
                // Workers may have finished; then the buffer is simply freed.
                let _ = recycle.try_send(chunk);
            }
            if let Some((w, target)) = json.as_mut() {
                if failed.is_none() {
                    if let Err(e) = w.flush() {
                        failed = Some((e, target.clone()));
                    }
                }
                stats.bytes = w.bytes();
                stats.records = w.records();
            }
            stats.failed = failed.map(|(e, target)| {
                let source = e.source;
                let message = if source.kind() == io::ErrorKind::BrokenPipe {
                    format!(
                        "writing records to {target} failed: its reader closed the pipe ({source})"
                    )
                } else {
                    ExportError::Write { target, source }.to_string()
                };
                OutputFailure {
                    message,
                    records: stats.records,
                    cut: e.cut,
                }
            });
            stats.sinks = handles
                .into_iter()
                .map(runner::SinkHandle::finish)
                .collect();
            Ok(stats)
        })
        .map_err(|source| ExportError::Write {
            target: "exporter thread".into(),
            source,
        })?;
    Ok(handle)
}

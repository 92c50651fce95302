//! What every sink is: something that takes a batch of records and delivers it, or says why not.

use std::fmt;

use thiserror::Error;

/// Records as JSON lines (each ends with `\n`), exactly as the JSON-lines output writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    pub lines: Vec<u8>,
    pub records: u32,
}

impl Batch {
    /// The records, one JSON document each, without their newlines.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        self.lines.split(|&b| b == b'\n').filter(|l| !l.is_empty())
    }

    /// A batch of some of this batch's records, chosen by index, in order.
    pub fn subset(&self, keep: &[usize]) -> Batch {
        let mut out = Batch::default();
        let mut k = keep.iter().peekable();
        for (i, rec) in self.iter().enumerate() {
            if k.peek() == Some(&&i) {
                k.next();
                out.lines.extend_from_slice(rec);
                out.lines.push(b'\n');
                out.records += 1;
            }
        }
        out
    }
}

#[derive(Debug, Error)]
pub enum SinkError {
    /// The sink could not be reached or refused for a reason that may pass (down, overloaded,
    /// timed out): the whole batch is retried.
    #[error("{0}")]
    Transient(String),
    /// A setting the sink cannot start with (bad broker list, bad URL).
    #[error("{0}")]
    Setup(String),
}

/// What became of a batch that reached the sink.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Records the sink did not take but may on a retry (e.g. Elasticsearch items answered
    /// 429, Kafka messages whose delivery failed), by index in the batch, ascending.
    pub retry: Vec<usize>,
    /// Records the sink refused for good (e.g. a mapping error), with the first reason. They
    /// are counted and logged, and appended to `rejected.jsonl` in the spool directory.
    pub rejected: Vec<usize>,
    pub reject_reason: Option<String>,
}

impl Delivery {
    pub fn all() -> Delivery {
        Delivery::default()
    }
}

/// One output. `send` blocks until the batch is delivered or has failed; it runs on the sink's
/// own sender thread, so a slow sink never holds up the others.
pub trait Sink: Send {
    /// Creates what the sink needs before the first batch (a table, a database, an index
    /// template). Called again after a failure, before the next send.
    fn prepare(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
    fn send(&mut self, batch: &Batch) -> Result<Delivery, SinkError>;
}

/// The configured sinks, by config key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SinkKind {
    Kafka,
    ClickHouse,
    InfluxDb,
    Elasticsearch,
}

impl SinkKind {
    pub fn key(self) -> &'static str {
        match self {
            SinkKind::Kafka => "kafka",
            SinkKind::ClickHouse => "clickhouse",
            SinkKind::InfluxDb => "influxdb",
            SinkKind::Elasticsearch => "elasticsearch",
        }
    }
}

impl fmt::Display for SinkKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// What one sink did in the run, for the summary.
#[derive(Debug, Default, Clone)]
pub struct SinkStats {
    pub name: String,
    pub delivered: u64,
    pub batches: u64,
    /// Failed attempts (each followed by a retry after a backoff).
    pub failures: u64,
    pub last_error: Option<String>,
    /// Records written to the spool because the sink was down or behind.
    pub spooled: u64,
    /// Records found in the spool from an earlier run (replayed first).
    pub recovered: u64,
    /// Records dropped because the spool was full (`when_full: drop`).
    pub dropped: u64,
    /// Records the sink refused for good.
    pub rejected: u64,
    /// Records left in the spool at exit (sent at the next start).
    pub left_in_spool: u64,
    pub spool_dir: String,
    /// Milliseconds the pipeline waited on a full spool (`when_full: block`).
    pub blocked_ms: u64,
    /// Time spent in successful sends (encoding, request, answer): delivered / this = the
    /// sink's own throughput.
    pub send_time: std::time::Duration,
}

/// Pulls `flow.id` out of a record line without parsing the rest (Kafka keys, document ids).
pub fn flow_id(rec: &[u8]) -> Option<u64> {
    #[derive(serde::Deserialize)]
    struct R {
        flow: F,
    }
    #[derive(serde::Deserialize)]
    struct F {
        id: u64,
    }
    serde_json::from_slice::<R>(rec).ok().map(|r| r.flow.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_keeps_order() {
        let b = Batch {
            lines: b"{\"a\":0}\n{\"a\":1}\n{\"a\":2}\n".to_vec(),
            records: 3,
        };
        let s = b.subset(&[0, 2]);
        assert_eq!(s.records, 2);
        assert_eq!(s.lines, b"{\"a\":0}\n{\"a\":2}\n");
        assert_eq!(
            flow_id(br#"{"source":{},"flow":{"id":42,"x":[1]},"timestamp":1}"#),
            Some(42)
        );
    }
}

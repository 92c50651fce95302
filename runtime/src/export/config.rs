//! Config blocks of the sinks: `kafka:`, `clickhouse:`, `influxdb:`, `elasticsearch:` (all
//! optional, all off by default), each with its own `batch:`, `retry:` and `spool:` blocks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::config::seed_bool;

/// Records per batch and how long a partial batch may wait.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Batching {
    /// A batch is sent when it holds this many records...
    pub count: usize,
    /// ...or when its first record has waited this long (and at shutdown).
    pub flush_ms: u64,
}

impl Default for Batching {
    fn default() -> Self {
        Batching {
            count: 1000,
            flush_ms: 1000,
        }
    }
}

/// Backoff between attempts: doubles from `initial_ms` up to `max_ms`, forever while running.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Retry {
    pub initial_ms: u64,
    pub max_ms: u64,
    /// At the end of the run, how long to keep trying a failing sink before the batches still
    /// in memory are written to the spool (they are sent at the next start).
    pub shutdown_timeout_s: u64,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            initial_ms: 200,
            max_ms: 30_000,
            shutdown_timeout_s: 30,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WhenFull {
    /// Stop taking records until the sink drains the spool: the pipeline slows down (a live
    /// capture then drops packets in the kernel, which the summary shows).
    Block,
    /// Drop the newest batch and count its records (shown in the summary and logged).
    Drop,
}

/// Where batches wait while the sink is down or behind.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpoolConfig {
    /// Default: `<temp_path>/spool/<sink>`.
    pub dir: Option<PathBuf>,
    /// Bound of the spool on disk, in MiB (fractions allowed).
    pub max_mb: f64,
    pub when_full: WhenFull,
    /// Batches held in memory before they go to disk.
    pub memory_batches: usize,
}

impl Default for SpoolConfig {
    fn default() -> Self {
        SpoolConfig {
            dir: None,
            max_mb: 1024.0,
            when_full: WhenFull::Block,
            memory_batches: 4,
        }
    }
}

/// Settings every sink has.
#[derive(Debug, Clone)]
pub struct Common {
    pub batch: Batching,
    pub retry: Retry,
    pub spool: SpoolConfig,
    pub spool_dir: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Snappy,
    Lz4,
    Zstd,
}

impl Compression {
    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KafkaConfig {
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// `host:port[,host:port...]` (the seed's key).
    pub brokers: String,
    pub topic: String,
    pub compression: Compression,
    /// `all` (default), `1` or `0`. Only `all` and `1` let delivery errors be seen and retried.
    pub acks: String,
    /// librdkafka's `message.timeout.ms`: a message not acknowledged by then is reported
    /// failed, and retried by flowsieve (so none is lost).
    pub delivery_timeout_ms: u64,
    /// Extra librdkafka properties (e.g. `security.protocol`), passed as they are.
    pub properties: BTreeMap<String, String>,
    pub batch: Batching,
    pub retry: Retry,
    pub spool: SpoolConfig,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        KafkaConfig {
            enabled: false,
            brokers: "127.0.0.1:9092".into(),
            topic: "flowsieve".into(),
            compression: Compression::Lz4,
            acks: "all".into(),
            delivery_timeout_ms: 30_000,
            properties: BTreeMap::new(),
            batch: Batching::default(),
            retry: Retry::default(),
            spool: SpoolConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClickHouseConfig {
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// The HTTP interface, e.g. `http://127.0.0.1:8123`.
    pub url: String,
    pub database: String,
    pub table: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Run `config/clickhouse-schema.sql` (CREATE TABLE IF NOT EXISTS) before the first insert.
    #[serde(deserialize_with = "seed_bool")]
    pub create_table: bool,
    pub timeout_s: u64,
    pub batch: Batching,
    pub retry: Retry,
    pub spool: SpoolConfig,
}

impl Default for ClickHouseConfig {
    fn default() -> Self {
        ClickHouseConfig {
            enabled: false,
            url: "http://127.0.0.1:8123".into(),
            database: "default".into(),
            table: "flow_statistics".into(),
            username: None,
            password: None,
            create_table: true,
            timeout_s: 30,
            batch: Batching::default(),
            retry: Retry::default(),
            spool: SpoolConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InfluxConfig {
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// With the scheme, as in the seed: `http://127.0.0.1`.
    pub host: String,
    pub port: u16,
    pub database: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Retention policy to write into (`rp=`); the database's default when unset.
    pub retention_policy: Option<String>,
    /// `CREATE DATABASE` (a no-op when it exists) before the first write.
    #[serde(deserialize_with = "seed_bool")]
    pub create_database: bool,
    pub timeout_s: u64,
    pub batch: Batching,
    pub retry: Retry,
    pub spool: SpoolConfig,
}

impl Default for InfluxConfig {
    fn default() -> Self {
        InfluxConfig {
            enabled: false,
            host: "http://127.0.0.1".into(),
            port: 8086,
            database: "flowsieve".into(),
            username: None,
            password: None,
            retention_policy: None,
            create_database: true,
            timeout_s: 30,
            batch: Batching::default(),
            retry: Retry::default(),
            spool: SpoolConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ElasticConfig {
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// With the scheme, as in the seed: `http://127.0.0.1`.
    pub host: String,
    pub port: u16,
    pub index_name: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// Install the index template (`PUT _index_template/<template_name>`) before the first write.
    #[serde(deserialize_with = "seed_bool")]
    pub template_enabled: bool,
    pub template_name: String,
    /// A template file to install instead of the built-in `config/elasticsearch-template.json`.
    pub template_mapping: Option<PathBuf>,
    pub timeout_s: u64,
    pub batch: Batching,
    pub retry: Retry,
    pub spool: SpoolConfig,
}

impl Default for ElasticConfig {
    fn default() -> Self {
        ElasticConfig {
            enabled: false,
            host: "http://127.0.0.1".into(),
            port: 9200,
            index_name: "flowsieve".into(),
            username: None,
            password: None,
            template_enabled: true,
            template_name: "flowsieve".into(),
            template_mapping: None,
            timeout_s: 30,
            batch: Batching::default(),
            retry: Retry::default(),
            spool: SpoolConfig::default(),
        }
    }
}

/// Checks the enabled sinks' settings; errors are `(key, message)`.
pub fn check_sinks(
    k: &KafkaConfig,
    c: &ClickHouseConfig,
    i: &InfluxConfig,
    e: &ElasticConfig,
) -> Result<(), (String, String)> {
    let empty = |key: &str, v: &str| {
        if v.trim().is_empty() {
            Err((key.to_string(), "must not be empty".to_string()))
        } else {
            Ok(())
        }
    };
    if k.enabled {
        empty("kafka.brokers", &k.brokers)?;
        empty("kafka.topic", &k.topic)?;
        if !matches!(k.acks.as_str(), "all" | "-1" | "0" | "1") {
            return Err((
                "kafka.acks".into(),
                format!("{:?} is not all, 1 or 0", k.acks),
            ));
        }
        if k.delivery_timeout_ms == 0 {
            return Err((
                "kafka.delivery_timeout_ms".into(),
                "must be at least 1".into(),
            ));
        }
        check_common("kafka", &k.batch, &k.retry, &k.spool)?;
    }
    if c.enabled {
        check_url("clickhouse.url".into(), &c.url)?;
        empty("clickhouse.database", &c.database)?;
        empty("clickhouse.table", &c.table)?;
        check_common("clickhouse", &c.batch, &c.retry, &c.spool)?;
    }
    if i.enabled {
        check_url("influxdb.host".into(), &i.host)?;
        empty("influxdb.database", &i.database)?;
        check_common("influxdb", &i.batch, &i.retry, &i.spool)?;
    }
    if e.enabled {
        check_url("elasticsearch.host".into(), &e.host)?;
        empty("elasticsearch.index_name", &e.index_name)?;
        if e.index_name != e.index_name.to_lowercase()
            || e.index_name.contains(['/', ' ', ',', '#', '*'])
        {
            return Err((
                "elasticsearch.index_name".into(),
                format!(
                    "{:?} is not a valid index name (lowercase, no / , # * or spaces)",
                    e.index_name
                ),
            ));
        }
        empty("elasticsearch.template_name", &e.template_name)?;
        check_common("elasticsearch", &e.batch, &e.retry, &e.spool)?;
    }
    Ok(())
}

/// Checks one sink's common blocks; errors are `(key, message)`.
pub fn check_common(
    sink: &'static str,
    batch: &Batching,
    retry: &Retry,
    spool: &SpoolConfig,
) -> Result<(), (String, String)> {
    let bad = |k: &str, m: &str| Err((format!("{sink}.{k}"), m.to_string()));
    if batch.count == 0 || batch.count > 1_000_000 {
        return bad("batch.count", "must be between 1 and 1000000");
    }
    if batch.flush_ms == 0 {
        return bad("batch.flush_ms", "must be at least 1");
    }
    if retry.initial_ms == 0 || retry.max_ms < retry.initial_ms {
        return bad(
            "retry",
            "initial_ms must be at least 1 and max_ms at least initial_ms",
        );
    }
    if spool.max_mb.is_nan() || spool.max_mb < 0.01 {
        return bad("spool.max_mb", "must be at least 0.01");
    }
    if spool.memory_batches == 0 {
        return bad("spool.memory_batches", "must be at least 1");
    }
    Ok(())
}

/// An http(s) base URL: `scheme://host[:port]`, without a trailing slash.
pub fn check_url(key: String, url: &str) -> Result<(), (String, String)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains(char::is_whitespace) => Ok(()),
        _ => Err((
            key,
            format!("{url:?} is not an http:// or https:// address"),
        )),
    }
}

impl Common {
    pub fn new(
        batch: &Batching,
        retry: &Retry,
        spool: &SpoolConfig,
        temp_path: &Path,
        sink: &str,
    ) -> Common {
        Common {
            batch: batch.clone(),
            retry: retry.clone(),
            spool: spool.clone(),
            spool_dir: spool
                .dir
                .clone()
                .unwrap_or_else(|| temp_path.join("spool").join(sink)),
        }
    }
}

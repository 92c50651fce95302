//! ClickHouse sink against Debian's clickhouse-server (18.16), started here on free ports.
//!
//! Delivery is at-least-once (an insert whose answer is lost is sent again); the table is a
//! ReplacingMergeTree keyed by the record's identity, so `SELECT ... FINAL` shows each record
//! once. The tests check: every record written as JSON lines is in the table, with its fields,
//! and nothing else is.

mod common;
mod sinkkit;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use sinkkit::{free_port, installed, wait_port, Proc};

struct ClickHouse {
    proc: Option<Proc>,
    dir: PathBuf,
    http: u16,
}

impl ClickHouse {
    fn start(dir: &Path) -> ClickHouse {
        let mut c = ClickHouse {
            proc: None,
            dir: dir.to_path_buf(),
            http: free_port(),
        };
        let tcp = free_port();
        let d = dir.display();
        std::fs::write(
            dir.join("config.xml"),
            format!(
                r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>{}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <mlock_executable>false</mlock_executable>
</yandex>
"#,
                c.http
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("users.xml"),
            r#"<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"#,
        )
        .unwrap();
        c.up();
        c
    }

    fn up(&mut self) {
        let bin = installed("/usr/sbin/clickhouse-server");
        let p = Proc::spawn(
            "clickhouse-server",
            Command::new(bin).arg(format!(
                "--config-file={}",
                self.dir.join("config.xml").display()
            )),
            &self.dir.join("stdout.log"),
        );
        assert!(
            wait_port(self.http, Duration::from_secs(30)),
            "clickhouse-server did not start: {}",
            std::fs::read_to_string(self.dir.join("server.err.log")).unwrap_or_default()
        );
        self.proc = Some(p);
    }

    fn down(&mut self) {
        if let Some(p) = self.proc.take() {
            p.kill();
        }
    }

    fn query(&self, q: &str) -> String {
        let out = Command::new("curl")
            .args(["-sS", "--fail", "--data-binary", q])
            .arg(format!(
                "http://127.0.0.1:{}/?output_format_json_quote_64bit_integers=0",
                self.http
            ))
            .output()
            .expect("curl");
        assert!(
            out.status.success(),
            "query {q}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn rows(&self, final_: bool) -> Vec<Value> {
        let f = if final_ { "FINAL" } else { "" };
        self.query(&format!(
            "SELECT * FROM default.flow_statistics {f} FORMAT JSONEachRow"
        ))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
    }
}

fn config(http: u16, shutdown_s: u64) -> String {
    format!(
        "temp_path: {{dir}}\nclickhouse:\n  enabled: true\n  url: http://127.0.0.1:{http}\n{}",
        sinkkit::delivery_yaml(40, shutdown_s)
    )
}

/// Row key: (flow id, type, timestamp ms).
fn key_of_record(r: &Value) -> (u64, String, i64) {
    (
        r["flow"]["id"].as_u64().unwrap(),
        r["flow"]["type"].as_str().unwrap().to_string(),
        r["timestamp"].as_i64().unwrap(),
    )
}

/// Every record is a row with the same values; no other rows.
fn check(records: &[Value], rows: &[Value]) {
    let mut by_key: HashMap<(u64, String, i64), &Value> = HashMap::new();
    for row in rows {
        let k = (
            row["flow_id"].as_u64().unwrap(),
            row["type"].as_str().unwrap().to_string(),
            row["timestamp_ms"].as_i64().unwrap(),
        );
        assert!(
            by_key.insert(k.clone(), row).is_none(),
            "row {k:?} twice after FINAL"
        );
    }
    assert_eq!(rows.len(), records.len(), "rows vs records");
    for r in records {
        let row = by_key
            .get(&key_of_record(r))
            .unwrap_or_else(|| panic!("record missing from ClickHouse: {r}"));
        let f = &r["flow"];
        assert_eq!(row["source_ip"], r["source"]["ip"]);
        assert_eq!(row["source_port"], r["source"]["port"]);
        assert_eq!(row["destination_ip"], r["destination"]["ip"]);
        assert_eq!(row["destination_port"], r["destination"]["port"]);
        for k in [
            "protocol",
            "category",
            "transport",
            "start_ts",
            "in_bytes",
            "out_bytes",
            "in_bytes_total",
            "out_bytes_total",
            "in_packets",
            "out_packets",
            "in_packets_total",
            "out_packets_total",
        ] {
            assert_eq!(row[k], f[k], "{k} of {r}");
        }
        assert_eq!(
            row["end_ts"],
            f.get("end_ts").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(
            row["end_reason"],
            f.get("end_reason").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(
            row["timestamp"].as_str().map(str::len),
            Some(19),
            "DateTime text"
        );
        let close = |a: &Value, b: &Value| match (a.as_f64(), b.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            _ => a.is_null() && b.is_null(),
        };
        assert!(close(&row["duration"], &f["duration"]), "duration of {r}");
        assert!(close(&row["ttfb"], &f["ttfb"]), "ttfb of {r}");
        let tls = row["tls"].as_str().unwrap();
        match f.get("tls") {
            Some(t) => assert_eq!(&serde_json::from_str::<Value>(tls).unwrap(), t),
            None => assert_eq!(tls, ""),
        }
    }
}

#[test]
fn clickhouse_gets_every_record_with_its_fields() {
    let dir = tempfile::tempdir().unwrap();
    let ch = ClickHouse::start(dir.path());
    let capture = common::data("corpus/ndpi/reddit.pcap");
    let (run, _d) = sinkkit::run_file(&capture, &config(ch.http, 30), Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(
        run.records.len() > 20,
        "too few records: {}",
        run.records.len()
    );
    assert!(run.stderr.contains("clickhouse"), "{}", run.stderr);
    check(&run.records, &ch.rows(true));
    // No failure, so no copies either.
    assert_eq!(ch.rows(false).len(), run.records.len());
}

#[test]
fn clickhouse_stopped_mid_run_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut ch = ClickHouse::start(dir.path());
    let pcap = sinkkit::read_pcap(&common::data("corpus/ndpi/netflix.pcap"));
    let mut feed = sinkkit::Feed::start(&config(ch.http, 120));
    feed.write(&pcap.header);
    let half = pcap.packets.len() / 2;
    for p in &pcap.packets[..half] {
        feed.write(p);
    }
    // Let the first half's records arrive (if the pipeline has emitted any yet).
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        if ch
            .query("SELECT count() FROM system.tables WHERE name = 'flow_statistics'")
            .trim()
            == "1"
            && ch
                .query("SELECT count() FROM default.flow_statistics")
                .trim()
                != "0"
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let before = ch.rows(false).len();
    ch.down();
    for p in &pcap.packets[half..] {
        feed.write(p);
    }
    // The rest goes to flowsieve while the server is down: it retries and spools.
    std::thread::sleep(Duration::from_secs(3));
    ch.up();
    let run = feed.finish(Duration::from_secs(120));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("failed attempts"),
        "no failure seen: {}",
        run.stderr
    );
    let all = ch.rows(false).len();
    eprintln!("{}", run.stderr);
    eprintln!(
        "clickhouse fault test: {} records, {before} delivered before the stop, {all} rows before dedup",
        run.records.len()
    );
    check(&run.records, &ch.rows(true));
}

/// `cargo test --release --test sink_clickhouse -- --ignored --nocapture` (README figures).
#[test]
#[ignore]
fn clickhouse_throughput() {
    let dir = tempfile::tempdir().unwrap();
    let ch = ClickHouse::start(dir.path());
    let yaml = format!(
        "clickhouse:\n  enabled: true\n  url: http://127.0.0.1:{}\n  batch: {{count: 5000}}\n",
        ch.http
    );
    sinkkit::throughput("clickhouse", &yaml, 100_000);
}

//! Helpers for the sink tests: free ports, server processes that are stopped on drop, and a
//! flowsieve run fed through a FIFO so a test can stop a server in the middle of it.
#![allow(dead_code)]

use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common;

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

/// Waits until something accepts connections on `port`.
pub fn wait_port(port: u16, timeout: Duration) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < timeout {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

/// A server binary the set-up installs; a missing one fails the test (never skips it).
pub fn installed(path: &str) -> PathBuf {
    let p = if path.starts_with('/') {
        PathBuf::from(path)
    } else {
        common::root().join(path)
    };
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup-sinks.sh (scripts/test.sh does)",
        p.display()
    );
    p
}

/// A child process killed (and reaped) when dropped.
pub struct Proc {
    pub child: Child,
    pub name: String,
}

impl Proc {
    pub fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Proc {
        let out = File::create(log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc {
            child,
            name: name.to_string(),
        }
    }

    /// SIGKILL: the server goes away at once, as in a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait (SIGKILL after 10 s).
    pub fn stop(mut self) {
        unsafe_free_term(self.child.id());
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `kill -TERM pid` without unsafe code.
fn unsafe_free_term(pid: u32) {
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A classic pcap file cut into its global header and its packet records.
pub struct Pcap {
    pub header: Vec<u8>,
    pub packets: Vec<Vec<u8>>,
}

pub fn read_pcap(path: &Path) -> Pcap {
    let data = std::fs::read(path).expect("read capture");
    assert_eq!(
        &data[..4],
        &[0xd4, 0xc3, 0xb2, 0xa1],
        "little-endian classic pcap expected"
    );
    let mut packets = Vec::new();
    let mut at = 24;
    while at + 16 <= data.len() {
        let incl =
            u32::from_le_bytes([data[at + 8], data[at + 9], data[at + 10], data[at + 11]]) as usize;
        let end = (at + 16 + incl).min(data.len());
        packets.push(data[at..end].to_vec());
        at = end;
    }
    Pcap {
        header: data[..24].to_vec(),
        packets,
    }
}

/// What a finished flowsieve run left.
pub struct Finished {
    /// The JSON lines it wrote (`-o`), as text and parsed.
    pub lines: Vec<String>,
    pub records: Vec<Value>,
    pub stderr: String,
    pub status: Option<i32>,
    pub elapsed: Duration,
}

/// A flowsieve run reading a FIFO the test writes packets into.
pub struct Feed {
    child: Child,
    fifo: Option<File>,
    pub dir: tempfile::TempDir,
    started: Instant,
}

impl Feed {
    /// Starts `flowsieve run -r FIFO -o out.jsonl -c config` (`{dir}` in the YAML is the run's
    /// temporary directory).
    pub fn start(config_yaml: &str) -> Feed {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("packets.fifo");
        let st = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
        assert!(st.success());
        let mut child = spawn_flowsieve(dir.path(), &fifo, config_yaml);
        // Opening a FIFO for writing waits for its reader: if flowsieve dies first (a bad
        // config), open it for reading here to release the writer, and fail with its stderr.
        let opener = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&fifo)
                    .expect("open fifo")
            })
        };
        while !opener.is_finished() {
            if let Ok(Some(st)) = child.try_wait() {
                let _unblock = File::open(&fifo);
                let _ = opener.join();
                let err =
                    std::fs::read_to_string(dir.path().join("stderr.txt")).unwrap_or_default();
                panic!("flowsieve exited ({st}) before reading its input:\n{err}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let f = opener.join().expect("fifo opener");
        Feed {
            child,
            fifo: Some(f),
            dir,
            started: Instant::now(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn write(&mut self, bytes: &[u8]) {
        if let Some(f) = self.fifo.as_mut() {
            f.write_all(bytes).expect("write to fifo");
            f.flush().expect("flush fifo");
        }
    }

    /// Ends the input, waits for flowsieve (at most `timeout`).
    pub fn finish(mut self, timeout: Duration) -> Finished {
        drop(self.fifo.take());
        wait_finished(&mut self.child, self.dir.path(), self.started, timeout)
    }
}

fn spawn_flowsieve(dir: &Path, input: &Path, config_yaml: &str) -> Child {
    let cfg = dir.join("flowsieve.yaml");
    let yaml = config_yaml.replace("{dir}", &dir.display().to_string());
    std::fs::write(&cfg, yaml).expect("write config");
    let err = File::create(dir.join("stderr.txt")).expect("stderr file");
    Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .arg("run")
        .arg("-r")
        .arg(input)
        .arg("-o")
        .arg(dir.join("out.jsonl"))
        .arg("-c")
        .arg(&cfg)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err)
        .spawn()
        .expect("start flowsieve")
}

fn wait_finished(child: &mut Child, dir: &Path, started: Instant, timeout: Duration) -> Finished {
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait flowsieve") {
            break s;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            let mut e = String::new();
            let _ = File::open(dir.join("stderr.txt")).and_then(|mut f| f.read_to_string(&mut e));
            panic!("flowsieve did not finish within {timeout:?}; stderr:\n{e}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let text = std::fs::read_to_string(dir.join("out.jsonl")).unwrap_or_default();
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let records = lines
        .iter()
        .map(|l| serde_json::from_str(l).expect("record is JSON"))
        .collect();
    Finished {
        lines,
        records,
        stderr: std::fs::read_to_string(dir.join("stderr.txt")).unwrap_or_default(),
        status: status.code(),
        elapsed,
    }
}

/// Runs flowsieve over a capture file with a config (`{dir}` = a temporary directory that
/// lives as long as the returned guard).
pub fn run_file(
    capture: &Path,
    config_yaml: &str,
    timeout: Duration,
) -> (Finished, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let mut child = spawn_flowsieve(dir.path(), capture, config_yaml);
    let f = wait_finished(&mut child, dir.path(), started, timeout);
    (f, dir)
}

/// A synthetic capture of `flows` one-packet UDP flows (two records each): for throughput.
pub fn synthetic_pcap(path: &Path, flows: u32) {
    let mut out = Vec::with_capacity(24 + flows as usize * 60);
    out.extend_from_slice(&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0]);
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // Ethernet
    for i in 0..flows {
        let mut p = Vec::with_capacity(46);
        p.extend_from_slice(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x00]);
        let src = [10, (i >> 16) as u8, (i >> 8) as u8, i as u8];
        let mut ip = vec![0x45, 0, 0, 32, 0, 0, 0, 0, 64, 17, 0, 0];
        ip.extend_from_slice(&src);
        ip.extend_from_slice(&[192, 0, 2, 1]);
        let mut sum: u32 = ip
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]) as u32)
            .sum();
        while sum > 0xffff {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        let ck = !(sum as u16);
        ip[10..12].copy_from_slice(&ck.to_be_bytes());
        p.extend_from_slice(&ip);
        // UDP 40000 -> 9999, 4 bytes of payload, no checksum.
        p.extend_from_slice(&[0x9c, 0x40, 0x27, 0x0f, 0, 12, 0, 0, 1, 2, 3, 4]);
        let ts = 1_700_000_000u32 + i / 1000;
        out.extend_from_slice(&ts.to_le_bytes());
        out.extend_from_slice(&((i % 1000) * 1000).to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&p);
    }
    std::fs::write(path, out).expect("write synthetic capture");
}

/// The spool/delivery block shared by the tests' configs: small batches, fast retries.
pub fn delivery_yaml(count: usize, shutdown_s: u64) -> String {
    format!(
        "  batch: {{count: {count}, flush_ms: 100}}\n  retry: {{initial_ms: 100, max_ms: 1000, shutdown_timeout_s: {shutdown_s}}}\n"
    )
}

/// Counts each line; used to compare what a server holds with what flowsieve wrote.
pub fn multiset<'a>(
    it: impl IntoIterator<Item = &'a str>,
) -> std::collections::HashMap<&'a str, usize> {
    let mut m = std::collections::HashMap::new();
    for s in it {
        *m.entry(s).or_insert(0) += 1;
    }
    m
}

/// Throughput of one sink: `flows` synthetic flows (2 records each) through flowsieve with
/// `sink_yaml`; prints records/s end to end and while sending. Returns the summary.
pub fn throughput(name: &str, sink_yaml: &str, flows: u32) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("synthetic.pcap");
    synthetic_pcap(&pcap, flows);
    let yaml = format!(
        "temp_path: {{dir}}\nflows: {{timeouts: {{udp: 3600}}}}\nclassifiers: {{enabled: false}}\n{sink_yaml}"
    );
    let (run, _d) = run_file(&pcap, &yaml, Duration::from_secs(600));
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    let n = run.lines.len() as f64;
    let line = run
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with(name))
        .unwrap_or("")
        .trim()
        .to_string();
    eprintln!(
        "THROUGHPUT {name}: {} records in {:.2} s end to end = {:.0} records/s; {line}",
        run.lines.len(),
        run.elapsed.as_secs_f64(),
        n / run.elapsed.as_secs_f64()
    );
    assert!(
        line.contains(&format!("delivered {} records", run.lines.len())),
        "{}",
        run.stderr
    );
    run.stderr
}

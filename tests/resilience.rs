//! The daemon under conditions its operator does not control, run as the real binary:
//!
//! - the output fails: standard output's reader goes away (a closed pipe), the disk is full
//!   (`-o /dev/full`, and as root a 64 KiB tmpfs): a clear error naming the output, exit
//!   status 4, no panic, the summary still printed, and a file holding whole records only —
//!   exactly the first records a run with room would have written;
//! - SIGINT and SIGTERM while reading a FIFO that is still open (so the daemon is mid-capture,
//!   not at the end of a file): exit 0, every open flow flushed with `end_reason: shutdown`.
//!   (The same on a live interface is `tests/live.rs`, as root.)
//! - `user:` in the config: the running daemon's uid and gid are that user's (root only).

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::daemon::is_root;
use common::*;
use flowsieve::synth::{write_capture, Mix, Spec};

fn flowsieve() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flowsieve"))
}

/// `flows` whole TCP flows of noise: two records each, ~900 bytes of JSON per flow.
fn noise_capture(dir: &Path, flows: u64) -> PathBuf {
    let path = dir.join(format!("noise{flows}.pcap"));
    let spec = Spec {
        flows,
        mix: Mix::Noise,
        ..Spec::default()
    };
    write_capture(&path, &spec).expect("write capture");
    path
}

/// Waits for the child at most `secs`; kills it and fails past that.
fn wait_exit(child: &mut Child, secs: u64, what: &str) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what}: flowsieve still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read_all(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn a_closed_pipe_on_standard_output_is_an_error_not_a_silent_exit() {
    let dir = tempfile::tempdir().expect("tempdir");
    // ~2.7 MB of records: far more than the pipe (64 KiB) and the writer's buffer hold.
    let capture = noise_capture(dir.path(), 3000);
    let mut child = flowsieve()
        .args(["run", "-r"])
        .arg(&capture)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowsieve");
    let stderr = read_all(child.stderr.take().expect("stderr"));
    // Like `flowsieve run ... | head -c 100`: read a little, then go away.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).expect("first records");
    drop(stdout);
    let code = wait_exit(&mut child, 60, "closed pipe");
    let stderr = stderr.join().expect("stderr");
    assert_eq!(code, Some(4), "{stderr}");
    assert!(first.starts_with(b"{\"source\""), "{first:?}");
    assert!(
        stderr.contains(
            "flowsieve: writing records to standard output failed: its reader closed the pipe"
        ),
        "{stderr}"
    );
    // The summary is still there (stderr is not the broken output), with what went wrong.
    assert!(stderr.contains("flowsieve summary"), "{stderr}");
    assert!(stderr.contains("OUTPUT FAILED"), "{stderr}");
    assert!(!stderr.contains("stopped      by signal"), "{stderr}");
    assert_no_panic(&stderr);
}

#[test]
fn a_full_disk_is_an_error_naming_the_output() {
    let out = flowsieve()
        .args(["run", "-r"])
        .arg(data("corpus/ndpi/http.pcapng"))
        .args(["-o", "/dev/full"])
        .output()
        .expect("run flowsieve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains("flowsieve: writing records to /dev/full failed: No space left on device"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the 0 records written before it are whole"),
        "{stderr}"
    );
    assert_no_panic(&stderr);
    // --quiet drops the summary, not the error.
    let out = flowsieve()
        .args(["run", "-q", "-r"])
        .arg(data("corpus/ndpi/http.pcapng"))
        .args(["-o", "/dev/full"])
        .output()
        .expect("run flowsieve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("/dev/full failed"), "{stderr}");
    assert!(!stderr.contains("flowsieve summary"), "{stderr}");
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).expect("mount point");
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_disk_that_fills_up_keeps_every_whole_record_before_the_failure() {
    if !is_root() {
        eprintln!("a_disk_that_fills_up_keeps_every_whole_record_before_the_failure: not run, mounting a tmpfs needs root");
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = noise_capture(dir.path(), 1000);
    let Some(fs) = Tmpfs::mount(&dir.path().join("small"), "64k") else {
        eprintln!("a_disk_that_fills_up_keeps_every_whole_record_before_the_failure: not run, mount -t tmpfs failed (no CAP_SYS_ADMIN in this container?)");
        return;
    };
    let full = fs.0.join("records.jsonl");
    let out = flowsieve()
        .args(["run", "-r"])
        .arg(&capture)
        .arg("-o")
        .arg(&full)
        .output()
        .expect("run flowsieve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "writing records to {} failed: No space left on device",
            full.display()
        )),
        "{stderr}"
    );
    assert_no_panic(&stderr);
    let written = std::fs::read_to_string(&full).expect("read the full file");
    drop(fs);

    // The same run with room: the full disk's file is its first records, each one whole.
    let roomy = run(&capture, &[]);
    assert_eq!(roomy.status, Some(0), "{}", roomy.stderr);
    let lines: Vec<&str> = written.lines().collect();
    assert!(
        written.len() > 32 * 1024 && written.ends_with('\n'),
        "{} bytes",
        written.len()
    );
    assert!(lines.len() < roomy.records.len());
    for (i, line) in lines.iter().enumerate() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("line {i} cut ({e}): {line}"));
        assert_eq!(v, roomy.records[i], "record {i}");
    }
    assert!(
        stderr.contains(&format!(
            "the {} records written before it are whole",
            lines.len()
        )),
        "{} lines; {stderr}",
        lines.len()
    );
}

/// The classic pcap `bytes` cut after its first `packets` records: (head, tail).
fn split_pcap(bytes: &[u8], packets: usize) -> (Vec<u8>, Vec<u8>) {
    let mut at = 24;
    for _ in 0..packets {
        let caplen =
            u32::from_le_bytes([bytes[at + 8], bytes[at + 9], bytes[at + 10], bytes[at + 11]]);
        at += 16 + caplen as usize;
    }
    (bytes[..at].to_vec(), bytes[at..].to_vec())
}

/// Reads a FIFO that stays open, is signalled mid-capture, then gets one more packet (a
/// blocked read is only noticed at the next packet or the end of the input).
fn signal_mid_fifo(signal: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    // Long-lived flows: none ends inside the capture, so every one is open when signalled.
    let capture = dir.path().join("long.pcap");
    let spec = Spec {
        flows: 40,
        mix: Mix::Long,
        ..Spec::default()
    };
    write_capture(&capture, &spec).expect("write capture");
    let bytes = std::fs::read(&capture).expect("read capture");
    // 20 flows' opening packets before the signal (three TCP flows of 5 packets, then a UDP
    // flow of 2: 17 packets per 4 flows).
    let (head, tail) = split_pcap(&bytes, 85);
    let fifo = dir.path().join("packets.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let out = dir.path().join("records.jsonl");
    let mut child = flowsieve()
        .args(["run", "-r"])
        .arg(&fifo)
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowsieve");
    let stderr = read_all(child.stderr.take().expect("stderr"));
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open the FIFO for writing");
    writer.write_all(&head).expect("write the first packets");
    writer.flush().expect("flush");
    std::thread::sleep(Duration::from_millis(1500)); // read and dispatched; still waiting
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "exited early"
    );
    let pid = child.id().to_string();
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill");
    assert!(sent.success());
    std::thread::sleep(Duration::from_millis(200));
    // The rest of the capture, from a thread: once the daemon stops reading, the FIFO fills
    // and this write fails (EPIPE) or blocks until the daemon exits; the FIFO stays open.
    let feeder = std::thread::spawn(move || {
        let _ = writer.write_all(&tail);
        writer
    });
    let code = wait_exit(&mut child, 20, signal);
    let stderr = stderr.join().expect("stderr");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("stopped      by signal"), "{stderr}");
    drop(feeder.join());

    let text = std::fs::read_to_string(&out).expect("records");
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let flows = by_flow(&records);
    // Every flow seen before the signal, and at most those of the packets read after it
    // (the daemon stops at the first).
    assert!(
        (20..=21).contains(&flows.len()),
        "{} flows: {text}",
        flows.len()
    );
    for (id, recs) in &flows {
        let ends: Vec<_> = recs.iter().filter(|r| kind(r) == "flow_end").collect();
        assert_eq!(ends.len(), 1, "flow {id}: {recs:?}");
        assert_eq!(s(ends[0], &["flow", "end_reason"]), "shutdown", "flow {id}");
        assert_eq!(kind(recs.last().expect("records")), "flow_end");
    }
}

#[test]
fn sigint_mid_capture_flushes_every_open_flow() {
    signal_mid_fifo("INT");
}

#[test]
fn sigterm_mid_capture_flushes_every_open_flow() {
    signal_mid_fifo("TERM");
}

/// `id -u NAME` / `id -g NAME`.
fn id_of(flag: &str, name: &str) -> u32 {
    let out = Command::new("id").args([flag, name]).output().expect("id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("id {flag} {name}"))
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// The `Uid:`/`Gid:`/`Groups:` line of a running process.
fn status_line(pid: u32, key: &str) -> Vec<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key} in {status}"))
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect()
}

#[test]
fn user_in_the_config_runs_the_daemon_as_that_user_after_the_capture_opens() {
    if !is_root() {
        eprintln!("user_in_the_config_runs_the_daemon_as_that_user_after_the_capture_opens: not run, switching users needs root");
        return;
    }
    let (uid, gid) = (id_of("-u", "nobody"), id_of("-g", "nobody"));
    let dir = tempfile::tempdir().expect("tempdir");
    chmod(dir.path(), 0o755);
    // What the daemon opens after the switch must be the user's: the output directory and
    // the compiled-pack cache (which must be private to its owner: the cache refuses to
    // use a directory it cannot make 0700).
    let out_dir = dir.path().join("out");
    let cache = dir.path().join("cache");
    for d in [&out_dir, &cache] {
        std::fs::create_dir(d).expect("mkdir");
        std::os::unix::fs::chown(d, Some(uid), Some(gid)).expect("chown");
    }
    let capture = dir.path().join("long.pcap");
    let spec = Spec {
        flows: 40,
        mix: Mix::Long,
        ..Spec::default()
    };
    write_capture(&capture, &spec).expect("write capture");
    let bytes = std::fs::read(&capture).expect("read capture");
    let (head, tail) = split_pcap(&bytes, 85);
    // The FIFO is only root's: the daemon opens it before it switches.
    let fifo = dir.path().join("packets.fifo");
    assert!(Command::new("mkfifo")
        .args(["-m", "600"])
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let config = dir.path().join("user.yaml");
    std::fs::write(
        &config,
        format!(
            "user: nobody\nclassifiers:\n  cache_dir: {}\n",
            cache.display()
        ),
    )
    .expect("config");
    let out = out_dir.join("records.jsonl");
    let mut child = flowsieve()
        .args(["run", "-r"])
        .arg(&fifo)
        .arg("-c")
        .arg(&config)
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowsieve");
    let stderr = read_all(child.stderr.take().expect("stderr"));
    let mut writer = std::fs::OpenOptions::new()
        .write(true)
        .open(&fifo)
        .expect("open the FIFO");
    writer.write_all(&head).expect("write");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "exited early"
    );
    // Real, effective, saved and filesystem ids: all the user's; no supplementary group of
    // root's left.
    let pid = child.id();
    assert_eq!(status_line(pid, "Uid:"), [uid; 4]);
    assert_eq!(status_line(pid, "Gid:"), [gid; 4]);
    assert!(
        !status_line(pid, "Groups:").contains(&0),
        "{:?}",
        status_line(pid, "Groups:")
    );
    writer.write_all(&tail).expect("write");
    drop(writer);
    // Generous: with a fresh cache the daemon compiles every built-in pack first, which in a
    // debug build (unoptimised cranelift) takes ~40 s on a busy 2-core machine.
    let code = wait_exit(&mut child, 180, "user");
    let stderr = stderr.join().expect("stderr");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("WARN"), "{stderr}");
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(&out).expect("records").uid(), uid);
    let text = std::fs::read_to_string(&out).expect("records");
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(by_flow(&records).len(), 40, "{text}");
}

#[test]
fn an_unknown_user_or_a_switch_without_root_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("user.yaml");
    std::fs::write(&config, "user: no-such-user-flowsieve\n").expect("config");
    let out = flowsieve()
        .args(["run", "-r"])
        .arg(data("corpus/ndpi/http.pcapng"))
        .arg("-c")
        .arg(&config)
        .output()
        .expect("run flowsieve");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("user.yaml: user: no such user \"no-such-user-flowsieve\""),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    // Not root and another user: refused after the capture opened, before any record.
    if !is_root() {
        eprintln!("an_unknown_user_or_a_switch_without_root_is_an_error_naming_the_key: the not-root half not run, it starts flowsieve as nobody with setpriv, which needs root");
        return;
    }
    chmod(dir.path(), 0o755);
    std::fs::write(&config, "user: root\n").expect("config");
    chmod(&config, 0o644);
    let capture = noise_capture(dir.path(), 2);
    chmod(&capture, 0o644);
    let out = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["run", "-r"])
        .arg(&capture)
        .arg("-c")
        .arg(&config)
        .output()
        .expect("run setpriv");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let want = format!(
        "user: \"root\" is set but flowsieve runs as uid {}, not root, so it cannot switch users",
        id_of("-u", "nobody")
    );
    assert!(stderr.contains(&want), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn standard_input_and_a_fifo_give_the_records_of_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let capture = noise_capture(dir.path(), 20);
    let bytes = std::fs::read(&capture).expect("read capture");
    let from_file = run(&capture, &[]);
    assert_eq!(from_file.status, Some(0), "{}", from_file.stderr);
    let records = |out: &Path| -> Vec<serde_json::Value> {
        std::fs::read_to_string(out)
            .expect("records")
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect()
    };

    // `-r -`: standard input.
    let out = dir.path().join("stdin.jsonl");
    let mut child = flowsieve()
        .args(["run", "-q", "-r", "-", "-o"])
        .arg(&out)
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowsieve");
    let stderr = read_all(child.stderr.take().expect("stderr"));
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&bytes).expect("feed");
    drop(stdin);
    let code = wait_exit(&mut child, 30, "stdin");
    assert_eq!(code, Some(0), "{}", stderr.join().expect("stderr"));
    assert_eq!(records(&out), from_file.records);

    // A FIFO whose writer has written everything and closed by the time the daemon is past
    // opening it (nothing may open it a second time and wait for a writer).
    let fifo = dir.path().join("capture.fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new()
                .write(true)
                .open(&fifo)
                .expect("open FIFO");
            w.write_all(&bytes).expect("feed");
        })
    };
    let out = dir.path().join("fifo.jsonl");
    let mut child = flowsieve()
        .args(["run", "-q", "-r"])
        .arg(&fifo)
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowsieve");
    let stderr = read_all(child.stderr.take().expect("stderr"));
    writer.join().expect("writer");
    let code = wait_exit(&mut child, 30, "FIFO");
    assert_eq!(code, Some(0), "{}", stderr.join().expect("stderr"));
    assert_eq!(records(&out), from_file.records);
}

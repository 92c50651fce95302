//! Hot reload of rule packs in a running daemon: `flowsieve run -i lo` with a watched
//! `classifiers.dir`, real TCP connections made by the test, pack files dropped in, replaced
//! and removed while it runs. Needs root (capturing on `lo`); otherwise it says why it did not
//! run.
//!
//! The test waits on what the daemon logs (`RUST_LOG=flowsieve_wasm=info`): "pack set swapped
//! in" after a reload, "pack refused" after a broken file, and the hostile `trap` pack's fault
//! line as the sign that a flow has been classified (the records themselves are written only
//! at the end). Every wait polls with a deadline; there is no fixed sleep.

mod common;

use common::daemon::{is_root, Log};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use flowsieve_wasm::test_guests;
use serde_json::Value;

/// Installs a pack file the way operators are told to: write a hidden name, then rename.
fn drop_in(dir: &Path, name: &str, bytes: &[u8]) {
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes).expect("write pack");
    std::fs::rename(&tmp, dir.join(name)).expect("rename pack");
}

fn guest(name: &str) -> Vec<u8> {
    std::fs::read(test_guests::path(name)).expect("test guest")
}

/// One TCP exchange: the client sends `request`, the server answers `response`, both close.
/// Returns the client's port (the flow's `source.port`).
fn exchange(server: &TcpListener, request: &[u8], response: &[u8]) -> u16 {
    let mut client = TcpStream::connect(server.local_addr().expect("addr")).expect("connect");
    let port = client.local_addr().expect("addr").port();
    let (mut conn, _) = server.accept().expect("accept");
    client.write_all(request).expect("send");
    let mut buf = vec![0u8; request.len()];
    conn.read_exact(&mut buf).expect("server read");
    conn.write_all(response).expect("server write");
    let mut buf = vec![0u8; response.len()];
    client.read_exact(&mut buf).expect("client read");
    client.shutdown(Shutdown::Write).expect("shutdown");
    conn.shutdown(Shutdown::Write).expect("shutdown");
    port
}

const ECHO: &[u8] = b"ECHO hello\n";
const GET: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
const OK_200: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/// A daemon capturing `tcp port <server's port>` on `lo`, with `trap.wasm` (the probe) in its
/// classifiers directory.
struct Daemon {
    child: Option<Child>,
    log: Log,
    server: TcpListener,
    packs: PathBuf,
    out: PathBuf,
    _work: tempfile::TempDir,
    /// Log lines already matched by a wait.
    at: usize,
    /// (client port, protocol its records must carry, why).
    expect: Vec<(u16, &'static str, &'static str)>,
}

impl Daemon {
    fn start(watch: bool) -> Daemon {
        let server = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = server.local_addr().expect("addr").port();
        let work = tempfile::tempdir().expect("tempdir");
        let packs = work.path().join("packs");
        std::fs::create_dir(&packs).expect("mkdir");
        // The probe: `trap` (priority 9, any TCP port) faults on every flow no better pack
        // names, and logs it; it is never called for a flow a better pack has named.
        drop_in(&packs, "trap.wasm", &guest("trap"));
        let out = work.path().join("records.jsonl");
        let cfg = work.path().join("flowsieve.yaml");
        std::fs::write(
            &cfg,
            format!(
                "threads: 1\nclassifiers:\n  dir: {}\n  watch: {watch}\n  fault_threshold: 1000\n",
                packs.display()
            ),
        )
        .expect("config");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
            .args(["run", "-i", "lo", "-f", &format!("tcp port {port}"), "-c"])
            .arg(&cfg)
            .arg("-o")
            .arg(&out)
            .env("RUST_LOG", "warn,flowsieve_wasm=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start flowsieve");
        let log = Log::follow(&mut child);
        let mut daemon = Daemon {
            child: Some(child),
            log,
            server,
            packs,
            out,
            _work: work,
            at: 0,
            expect: Vec::new(),
        };
        // The capture is open before the classifier runtime starts, so once the first pack
        // set is in, packets are being captured.
        daemon.wait(&["classifier pack set swapped in", "generation=1"], "start");
        daemon
    }

    fn wait(&mut self, parts: &[&str], what: &str) {
        self.at = self.log.wait_for(self.at, parts, what, 60);
    }

    fn swapped_in(&mut self, generation: u64, what: &str) {
        self.wait(
            &[
                "classifier pack set swapped in",
                &format!("generation={generation}"),
            ],
            what,
        );
    }

    /// A TCP exchange whose records must carry `protocol`.
    fn flow(&mut self, request: &[u8], response: &[u8], protocol: &'static str, why: &'static str) {
        let port = exchange(&self.server, request, response);
        self.expect.push((port, protocol, why));
    }

    /// A flow no pack names, so the `trap` probe faults on it and logs. One worker thread
    /// takes packets in capture order, and every unknown flow of the test makes one such
    /// line: once there are as many lines as unknown flows, every flow so far has been
    /// classified.
    fn probe(&mut self) {
        self.flow(b"PROBE\n", b"PROBE\n", "Unknown_TCP", "probe flow");
        let unknown = self
            .expect
            .iter()
            .filter(|(_, p, _)| *p == "Unknown_TCP")
            .count();
        let mut from = 0;
        for n in 1..=unknown {
            from = self.log.wait_for(
                from,
                &["classifier call failed", "pack=trap"],
                &format!("trap probe fault #{n} (probe flow classified)"),
                60,
            );
        }
        self.at = self.at.max(from);
    }

    fn signal(&self, sig: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill")
            .args([sig, &pid])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// SIGTERM (every flow flushed, the summary written), then checks every expected flow:
    /// one flow_start first, one flow_end last, its protocol on every record. Returns the
    /// daemon's stderr.
    fn stop_and_check(mut self) -> String {
        // SIGTERM stops reading at once: make sure the last flow has been read first.
        self.probe();
        self.signal("-TERM");
        let status = self.child.take().expect("running").wait().expect("wait");
        assert!(status.success(), "flowsieve exited with {status}");
        // The summary is the last thing written; wait until the reader thread has it.
        self.log
            .wait_for(0, &["records", "flow_start"], "summary", 60);
        let stderr = self.log.text();
        let text = std::fs::read_to_string(&self.out).expect("records");
        let records: Vec<Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect();
        for (client_port, want, why) in &self.expect {
            let flow: Vec<&Value> = records
                .iter()
                .filter(|r| r["source"]["port"].as_u64() == Some(u64::from(*client_port)))
                .collect();
            let kinds: Vec<&str> = flow
                .iter()
                .map(|r| r["flow"]["type"].as_str().unwrap_or(""))
                .collect();
            let context =
                format!("flow from port {client_port} ({why}): {kinds:?}\nrecords:\n{text}\ndaemon log:\n{stderr}");
            // No flow loses records across the reloads.
            assert_eq!(kinds.first(), Some(&"flow_start"), "{context}");
            assert_eq!(kinds.last(), Some(&"flow_end"), "{context}");
            assert_eq!(
                kinds.iter().filter(|k| **k == "flow_start").count(),
                1,
                "{context}"
            );
            assert_eq!(
                kinds.iter().filter(|k| **k == "flow_end").count(),
                1,
                "{context}"
            );
            for r in &flow {
                assert_eq!(r["flow"]["protocol"].as_str(), Some(*want), "{context}");
            }
        }
        let ends = records
            .iter()
            .filter(|r| r["flow"]["type"] == "flow_end")
            .count();
        assert_eq!(ends, self.expect.len(), "one flow per exchange:\n{text}");
        stderr
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failed assertion must not leave the daemon capturing.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The summary's `rule packs` line.
fn packs_line(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.trim_start().starts_with("rule packs"))
        .unwrap_or_else(|| panic!("no summary:\n{stderr}"))
}

#[test]
fn packs_dropped_into_a_running_daemon_name_the_next_flows() {
    if !is_root() {
        eprintln!("packs_dropped_into_a_running_daemon: not run, capturing on lo needs root");
        return;
    }
    let mut d = Daemon::start(true);

    // 1. No echo pack yet: an ECHO flow is unknown.
    d.flow(ECHO, ECHO, "Unknown_TCP", "before any pack names it");
    d.probe();

    // 2. echo.wasm dropped in: the next ECHO flow is Echo_Test.
    drop_in(&d.packs, "echo.wasm", &guest("echo"));
    d.swapped_in(2, "echo loaded");
    d.flow(ECHO, ECHO, "Echo_Test", "after echo.wasm is dropped in");

    // 3. Garbage: refused with the reason; echo keeps working.
    drop_in(&d.packs, "junk.wasm", b"this is not WebAssembly");
    d.wait(
        &[
            "classifier pack refused",
            "junk.wasm",
            "not a WebAssembly file",
        ],
        "garbage refused",
    );
    d.flow(ECHO, ECHO, "Echo_Test", "after a garbage file is refused");

    // 4. A pack importing WASI: refused, the import named; echo keeps working.
    drop_in(&d.packs, "sneaky.wasm", &guest("wasi"));
    d.wait(
        &[
            "classifier pack refused",
            "sneaky.wasm",
            "wasi:random/random",
        ],
        "WASI import refused",
    );
    d.flow(
        ECHO,
        ECHO,
        "Echo_Test",
        "after a WASI-importing file is refused",
    );

    // 5. The echo file overwritten with a broken version: refused, and what the file
    //    provided before stays in force (no new generation).
    drop_in(&d.packs, "echo.wasm", b"\0asm\x0d\x00\x01\x00 truncated");
    d.wait(
        &["classifier pack refused", "echo.wasm"],
        "broken echo refused",
    );
    d.flow(
        ECHO,
        ECHO,
        "Echo_Test",
        "after echo.wasm is overwritten with a broken file",
    );

    // 6. The built-in core pack replaced by a file of the same name: HTTP becomes
    //    HTTP_NonStandard for the next flows.
    d.flow(GET, OK_200, "HTTP", "the built-in core pack");
    d.probe();
    drop_in(&d.packs, "core.wasm", &guest("corev2"));
    d.swapped_in(3, "corev2 replaces core");
    d.flow(GET, OK_200, "HTTP_NonStandard", "core replaced by corev2");
    d.probe();

    // 7. Removing the file brings the built-in back.
    std::fs::remove_file(d.packs.join("core.wasm")).expect("rm");
    d.swapped_in(4, "built-in core back");
    d.flow(
        GET,
        OK_200,
        "HTTP",
        "core.wasm removed: the built-in is back",
    );

    let stderr = d.stop_and_check();
    // The packs in force at the end: the built-in core, echo (from its first, good file),
    // trap; the refused files are not among them.
    let line = packs_line(&stderr);
    for name in ["core 0.1.0", "echo 0.1.0", "trap 0.1.0"] {
        assert!(line.contains(name), "{line}");
    }
    assert!(
        !line.contains("wasi") && !line.contains("0.2.0-test"),
        "{line}"
    );
}

#[test]
fn sighup_rescans_an_unwatched_directory() {
    if !is_root() {
        eprintln!("sighup_rescans_an_unwatched_directory: not run, capturing on lo needs root");
        return;
    }
    let mut d = Daemon::start(false);
    // Not watched: a file dropped in changes nothing...
    drop_in(&d.packs, "echo.wasm", &guest("echo"));
    d.flow(
        ECHO,
        ECHO,
        "Unknown_TCP",
        "echo.wasm present but not rescanned",
    );
    d.probe();
    // ...until SIGHUP.
    d.signal("-HUP");
    d.swapped_in(2, "rescan on SIGHUP");
    d.flow(ECHO, ECHO, "Echo_Test", "after SIGHUP");
    let stderr = d.stop_and_check();
    assert!(packs_line(&stderr).contains("echo 0.1.0"), "{stderr}");
}

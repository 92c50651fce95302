//! Rules in C, Python and JavaScript (and Rust, for comparison), end to end. For each language
//! the test
//!
//! 1. scaffolds a project with `flowsieve classifiers new NAME --lang L` and builds it FROM SOURCE
//!    with the project's own `build.sh` and the toolchain `scripts/setup-langs.sh` installed
//!    (clang + lld; componentize-py; componentize-qjs) — the kit's template rule, for MQTT;
//! 2. checks the component imports nothing and loads (`flowsieve classifiers check`);
//! 3. runs the daemon on a real capture (`tests/data/corpus/ndpi/mqtt.pcap`, two MQTT flows)
//!    with the pack in `--classifiers-dir`: both flows are `MQTT`, and without the pack they
//!    are `Unknown_TCP` (so the name comes from the pack);
//! 4. drops the pack into a running daemon's watched directory (`flowsieve run -i lo`, root
//!    only): it is loaded, and the next MQTT connection made on loopback is named by it;
//! 5. soaks one instance of the pack with a million `classify` calls through the host's own
//!    worker API: no fault, still the first instance, and its linear memory does not grow.
//!
//! And the C kit's generated bindings (`sdk/c/bindings`) must be what wit-bindgen's C generator
//! makes of `wit/classifier.wit` today (`FLOWSIEVE_BLESS=1` rewrites them after a WIT change).
//!
//! Without the toolchains the tests fail and say to run `scripts/setup-langs.sh`
//! (`scripts/test.sh` runs it).

mod common;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::daemon::{is_root, Log};
use common::*;
use flowsieve_wasm::{ClassifierRuntime, FlowView, RuntimeConfig, Side, Transport, Verdict};
use serde_json::Value;

const FLOWSIEVE: &str = env!("CARGO_BIN_EXE_flowsieve");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Rust,
    C,
    Python,
    Js,
}

impl Lang {
    fn flag(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::C => "c",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }

    /// The pack's manifest name (the project's name).
    fn pack(self) -> &'static str {
        match self {
            Lang::Rust => "mqtt-rust",
            Lang::C => "mqtt-c",
            Lang::Python => "mqtt-python",
            Lang::Js => "mqtt-js",
        }
    }
}

/// Where `scripts/setup-langs.sh` put the Python and JavaScript tools.
fn tools() -> PathBuf {
    std::env::var_os("FLOWSIEVE_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/tools"))
}

fn need_tool(path: &Path, what: &str) {
    assert!(
        path.exists(),
        "{what} not found at {}: run scripts/setup-langs.sh (scripts/test.sh does)",
        path.display()
    );
}

/// Scaffolds and builds the language's template rule once per test run; returns the component.
fn built(lang: Lang) -> PathBuf {
    static RUST: OnceLock<PathBuf> = OnceLock::new();
    static C: OnceLock<PathBuf> = OnceLock::new();
    static PY: OnceLock<PathBuf> = OnceLock::new();
    static JS: OnceLock<PathBuf> = OnceLock::new();
    let cell = match lang {
        Lang::Rust => &RUST,
        Lang::C => &C,
        Lang::Python => &PY,
        Lang::Js => &JS,
    };
    cell.get_or_init(|| build(lang)).clone()
}

fn build(lang: Lang) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rule-languages");
    std::fs::create_dir_all(&base).expect("mkdir");
    let project = base.join(lang.pack());
    if project.exists() {
        std::fs::remove_dir_all(&project).expect("clean the previous project");
    }
    let out = Command::new(FLOWSIEVE)
        .args([
            "classifiers",
            "new",
            lang.pack(),
            "--lang",
            lang.flag(),
            "--dir",
        ])
        .arg(&project)
        .output()
        .expect("run flowsieve classifiers new");
    assert!(
        out.status.success(),
        "classifiers new --lang {}: {}",
        lang.flag(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cmd = Command::new("bash");
    cmd.arg(project.join("build.sh"))
        .env("FLOWSIEVE", FLOWSIEVE)
        .current_dir(&project);
    match lang {
        Lang::Rust => {
            // A nested cargo build: its own target directory (sharing the outer one would wait
            // on its lock), none of the outer build's flags.
            cmd.env("CARGO_TARGET_DIR", project.join("target"));
            for var in [
                "RUSTFLAGS",
                "CARGO_ENCODED_RUSTFLAGS",
                "RUSTC_WRAPPER",
                "RUSTC_WORKSPACE_WRAPPER",
                "CARGO_BUILD_TARGET",
                "CARGO_INCREMENTAL",
                "CARGO_MAKEFLAGS",
            ] {
                cmd.env_remove(var);
            }
        }
        Lang::C => {
            let clang = which("clang");
            assert!(
                clang.is_some() && which("wasm-ld").is_some(),
                "clang and wasm-ld (lld) are needed: run scripts/setup-langs.sh"
            );
        }
        Lang::Python => {
            let tool = tools().join("py/bin/componentize-py");
            need_tool(&tool, "componentize-py");
            cmd.env("COMPONENTIZE_PY", tool);
        }
        Lang::Js => {
            let tool = tools().join("js/node_modules/.bin/componentize-qjs");
            need_tool(&tool, "componentize-qjs");
            cmd.env("COMPONENTIZE_QJS", tool);
        }
    }
    let started = Instant::now();
    let out = cmd.output().expect("run build.sh");
    assert!(
        out.status.success(),
        "{} build failed:\nstdout:\n{}\nstderr:\n{}",
        lang.flag(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let wasm = project.join("rule.wasm");
    assert!(wasm.is_file(), "{} build wrote no rule.wasm", lang.flag());
    eprintln!(
        "{}: built {} ({} bytes) in {:.1} s",
        lang.flag(),
        wasm.display(),
        std::fs::metadata(&wasm).map(|m| m.len()).unwrap_or(0),
        started.elapsed().as_secs_f64()
    );
    wasm
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}

/// Puts the test guest `nomessaging` in `dir`: it replaces the built-in messaging pack, which
/// names MQTT itself, so the MQTT names these tests see come from the language's rule.
fn without_builtin_mqtt(dir: &Path) {
    std::fs::copy(
        flowsieve_wasm::test_guests::path("nomessaging"),
        dir.join("messaging.wasm"),
    )
    .expect("copy nomessaging");
}

/// A directory holding `lang`'s pack, as `<pack>.wasm`, and the built-in messaging pack's
/// stand-in (`without_builtin_mqtt`).
fn packs_dir(lang: Lang) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    without_builtin_mqtt(dir.path());
    std::fs::copy(
        built(lang),
        dir.path().join(format!("{}.wasm", lang.pack())),
    )
    .expect("copy pack");
    dir
}

/// A compile cache shared by this binary's daemon runs (a large guest compiles once).
fn cache_config(dir: &Path) -> String {
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rule-languages-cache");
    format!(
        "classifiers:\n  dir: {}\n  cache_dir: {}\n  call_deadline_ms: 200\n",
        dir.display(),
        cache.display()
    )
}

// ---------------------------------------------------------------- 2 + 3: check, real capture

fn mqtt_protocols(run: &Run) -> Vec<String> {
    run.records
        .iter()
        .filter(|r| kind(r) == "flow_end")
        .filter(|r| u(r, &["destination", "port"]) == 1883)
        .map(|r| {
            s(r, &["flow", "protocol"])
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

fn names_mqtt_in_a_real_capture(lang: Lang) {
    let wasm = built(lang);
    // The daemon's own load checks, no imports among them.
    let out = Command::new(FLOWSIEVE)
        .args(["classifiers", "check"])
        .arg(&wasm)
        .output()
        .expect("run check");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}: check refused it: {}",
        lang.flag(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("pack {} 0.1.0, 1 rule", lang.pack())),
        "{stdout}"
    );
    assert!(
        stdout.contains("MQTT") && stdout.contains("Message_Queuing"),
        "{stdout}"
    );

    let dir = packs_dir(lang);
    let capture = data("corpus/ndpi/mqtt.pcap");
    let run = run_with_config(&capture, Some(&cache_config(dir.path())), &[]);
    assert_eq!(run.status, Some(0), "{}: {}", lang.flag(), run.stderr);
    let names = mqtt_protocols(&run);
    // The capture's two flows: a full session (CONNECT "MQIsdp" v3) and a lone CONNECT.
    assert_eq!(
        names,
        ["MQTT", "MQTT"],
        "{}: records:\n{:#?}\nstderr:\n{}",
        lang.flag(),
        run.records,
        run.stderr
    );
    // Every record of those flows carries the name, flow_start included.
    for r in &run.records {
        if u(r, &["destination", "port"]) == 1883 {
            assert_eq!(s(r, &["flow", "protocol"]), "MQTT", "{r}");
        }
    }
    assert!(
        run.stderr.contains(lang.pack()),
        "the summary lists the pack:\n{}",
        run.stderr
    );
}

#[test]
fn without_a_rule_pack_mqtt_is_unknown() {
    // The control for the tests below: with the built-in messaging pack replaced as they
    // replace it, no pack names MQTT (and with it, the built-in one does).
    assert_eq!(
        mqtt_protocols(&run(&data("corpus/ndpi/mqtt.pcap"), &["-q"])),
        ["MQTT", "MQTT"]
    );
    let dir = tempfile::tempdir().expect("tempdir");
    without_builtin_mqtt(dir.path());
    let run = run_with_config(
        &data("corpus/ndpi/mqtt.pcap"),
        Some(&cache_config(dir.path())),
        &["-q"],
    );
    assert_eq!(run.status, Some(0), "{}", run.stderr);
    assert_eq!(mqtt_protocols(&run), ["Unknown_TCP", "Unknown_TCP"]);
}

#[test]
fn rust_rule_names_mqtt_in_a_real_capture() {
    names_mqtt_in_a_real_capture(Lang::Rust);
}

#[test]
fn c_rule_names_mqtt_in_a_real_capture() {
    names_mqtt_in_a_real_capture(Lang::C);
}

#[test]
fn python_rule_names_mqtt_in_a_real_capture() {
    names_mqtt_in_a_real_capture(Lang::Python);
}

#[test]
fn js_rule_names_mqtt_in_a_real_capture() {
    names_mqtt_in_a_real_capture(Lang::Js);
}

// ---------------------------------------------------------------- 4: hot reload

/// An MQTT 3.1.1 CONNECT (client id "", keep-alive 60) and its CONNACK.
const CONNECT: &[u8] = &[
    0x10, 0x0c, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00,
];
const CONNACK: &[u8] = &[0x20, 0x02, 0x00, 0x00];
/// Not MQTT, so no pack names it: the sign (with the trap probe) that flows are being read.
const PROBE: &[u8] = b"PROBE\n";

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

struct Daemon {
    child: Option<Child>,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn picked_up_by_a_running_daemon(lang: Lang) {
    if !is_root() {
        eprintln!(
            "{} hot reload: not run, capturing on lo needs root",
            lang.flag()
        );
        return;
    }
    // Build first: the daemon should not wait on the toolchain.
    let wasm = std::fs::read(built(lang)).expect("read pack");
    let server = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = server.local_addr().expect("addr").port();
    let work = tempfile::tempdir().expect("tempdir");
    let packs = work.path().join("packs");
    std::fs::create_dir(&packs).expect("mkdir");
    without_builtin_mqtt(&packs);
    // The trap probe (priority 9, any TCP flow no better pack names) logs a fault for each
    // unknown flow: once the PROBE flow made after the MQTT one has faulted, one worker thread
    // has read the MQTT flow too.
    std::fs::copy(
        flowsieve_wasm::test_guests::path("trap"),
        packs.join("trap.wasm"),
    )
    .expect("copy trap");
    let out = work.path().join("records.jsonl");
    let cfg = work.path().join("flowsieve.yaml");
    std::fs::write(
        &cfg,
        format!(
            "threads: 1\n{}  watch: true\n  fault_threshold: 1000\n",
            cache_config(&packs)
        ),
    )
    .expect("config");
    // Compile the pack into the daemon's cache first, at normal priority (`check` loads it as
    // the daemon does, with the same cache): the daemon's reload thread runs at nice 19, and a
    // debug build compiling an 18 MB Python guest on a busy machine can take minutes. What is
    // tested below is the pickup, not the compiler.
    let checked = Command::new(FLOWSIEVE)
        .args(["classifiers", "check"])
        .arg(built(lang))
        .arg("-c")
        .arg(&cfg)
        .output()
        .expect("run check");
    assert!(
        checked.status.success(),
        "{}: {}",
        lang.flag(),
        String::from_utf8_lossy(&checked.stderr)
    );
    let mut child = Command::new(FLOWSIEVE)
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
    let mut daemon = Daemon { child: Some(child) };
    log.wait_for(
        0,
        &["classifier pack set swapped in", "generation=1"],
        "start",
        120,
    );

    // Before: an MQTT connection no pack names.
    let before = exchange(&server, CONNECT, CONNACK);
    // Dropped in the way operators are told to: a hidden name, then a rename.
    let name = format!("{}.wasm", lang.pack());
    let tmp = packs.join(format!(".{name}.tmp"));
    // The "before" flow must be classified before the pack arrives: wait for its trap fault.
    log.wait_for(
        0,
        &["classifier call failed", "pack=trap"],
        "the MQTT flow made before the drop classified",
        120,
    );
    std::fs::write(&tmp, &wasm).expect("write pack");
    std::fs::rename(&tmp, packs.join(&name)).expect("rename pack");
    // A large guest (Python: ~18 MB) takes a while to compile in a debug build.
    log.wait_for(
        0,
        &["classifier pack loaded", &format!("pack={}", lang.pack())],
        "the pack loaded",
        600,
    );
    log.wait_for(
        0,
        &["classifier pack set swapped in", "generation=2"],
        "the new set swapped in",
        120,
    );
    let after = exchange(&server, CONNECT, CONNACK);
    let probe = exchange(&server, PROBE, PROBE);
    // Two trap faults: the "before" MQTT flow and the probe.
    let deadline = Instant::now() + Duration::from_secs(120);
    while log
        .text()
        .lines()
        .filter(|l| l.contains("classifier call failed") && l.contains("pack=trap"))
        .count()
        < 2
    {
        assert!(
            Instant::now() < deadline,
            "the probe flow was never classified; log:\n{}",
            log.text()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut child = daemon.child.take().expect("running");
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let status = child.wait().expect("wait");
    assert!(status.success(), "flowsieve exited with {status}");
    log.wait_for(0, &["records", "flow_start"], "summary", 60);
    drop(daemon);

    let text = std::fs::read_to_string(&out).expect("records");
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let protocol_of = |client_port: u16| -> Vec<String> {
        records
            .iter()
            .filter(|r| r["source"]["port"].as_u64() == Some(u64::from(client_port)))
            .map(|r| r["flow"]["protocol"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let context = format!("records:\n{text}\ndaemon log:\n{}", log.text());
    let before = protocol_of(before);
    let after = protocol_of(after);
    assert!(
        !before.is_empty() && before.iter().all(|p| p == "Unknown_TCP"),
        "{}: the MQTT flow before the drop: {before:?}\n{context}",
        lang.flag()
    );
    assert!(
        !after.is_empty() && after.iter().all(|p| p == "MQTT"),
        "{}: the MQTT flow after the drop: {after:?}\n{context}",
        lang.flag()
    );
    assert!(
        protocol_of(probe).iter().all(|p| p == "Unknown_TCP"),
        "{context}"
    );
}

#[test]
fn c_rule_is_picked_up_by_a_running_daemon() {
    picked_up_by_a_running_daemon(Lang::C);
}

#[test]
fn python_rule_is_picked_up_by_a_running_daemon() {
    picked_up_by_a_running_daemon(Lang::Python);
}

#[test]
fn js_rule_is_picked_up_by_a_running_daemon() {
    picked_up_by_a_running_daemon(Lang::Js);
}

// ---------------------------------------------------------------- 5: soak

/// Calls in a soak (`FLOWSIEVE_SOAK_CALLS` overrides, e.g. for a quick local run).
fn soak_calls() -> u64 {
    std::env::var("FLOWSIEVE_SOAK_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn side(prefix: &[u8]) -> Side<'_> {
    Side {
        prefix,
        first_payload_len: prefix.len() as u32,
        packets: 1,
        bytes: prefix.len() as u64,
    }
}

/// One instance of `lang`'s pack, a million calls over flows that reach it (every client
/// prefix starts with the lead 0x10) and take each of its paths: matched, need-more, no-match,
/// with prefixes of every length up to 256 bytes; one view in three carries an ALPN list, the
/// others none (as most flows). The instance's linear memory must not grow after warm-up.
fn soak(lang: Lang) {
    let dir = packs_dir(lang);
    let rt = ClassifierRuntime::new(RuntimeConfig {
        builtins: false,
        classifiers_dir: Some(dir.path().to_path_buf()),
        watch: false,
        cache_dir: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("rule-languages-cache")),
        // One instance for the whole soak, and no fault from a descheduled thread on a busy
        // machine: a real fault (trap, memory cap) still counts.
        recycle_after_calls: 0,
        call_deadline: Duration::from_secs(2),
        memory_limit: 64 << 20,
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    let failures = rt.load_failures();
    assert!(failures.is_empty(), "{}: {failures:?}", lang.flag());
    let mut w = rt.worker();

    let mqtt311 = CONNECT.to_vec();
    let mut mqtt31 = vec![0x10, 0x40, 0x00, 0x06];
    mqtt31.extend_from_slice(b"MQIsdp");
    mqtt31.extend_from_slice(&[0x03, 0xc2, 0x00, 0x14, 0x00, 0x16]);
    mqtt31.extend_from_slice(b"cbaabcbabacbbbbbaaaaab");
    let truncated = [0x10u8, 0x80];
    let mut noise = vec![0x10u8];
    noise.extend((1u32..256).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let server = CONNACK.to_vec();
    let with_alpn = ["mqtt".to_owned()];
    let cases: Vec<(&[u8], &str)> = vec![
        (&mqtt311[..], "MQTT"),
        (&mqtt31[..], "MQTT"),
        (&truncated[..], "need-more"),
        (&noise[..], "no-match"),
    ];
    let name = |v: Verdict| match v {
        Verdict::Matched(id) => rt
            .protocol_name(id)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into()),
        Verdict::NoMatch => "no-match".into(),
        Verdict::NeedMore { .. } => "need-more".into(),
    };
    let calls = soak_calls();
    let warm = 10_000.min(calls / 2);
    let mut memory_after_warmup = None;
    let mut peak = 0usize;
    let mut samples = Vec::new();
    let started = Instant::now();
    let mut warm_started = started;
    for i in 0..calls {
        // Mostly the four cases, plus noise cut at every length (a fresh list size each time).
        let k = (i % 8) as usize;
        let (client, want): (&[u8], &str) = if k < 4 {
            cases[k]
        } else {
            let len = 1 + (i as usize / 8) % noise.len();
            (&noise[..len], "")
        };
        let mut v = FlowView::new(Transport::Tcp, 40000, 1883);
        v.client = side(client);
        v.server = side(&server);
        v.set_alpn(if i % 3 == 0 { &with_alpn[..] } else { &[] });
        let verdict = w.classify(&v);
        if !want.is_empty() {
            let got = name(verdict);
            assert_eq!(got, want, "{}: call #{i}", lang.flag());
        }
        if i + 1 == warm {
            memory_after_warmup = w.instance_memory_bytes(lang.pack());
            warm_started = Instant::now();
        }
        if i % 50_000 == 0 {
            let now = w.instance_memory_bytes(lang.pack()).unwrap_or(0);
            peak = peak.max(now);
            samples.push((i, now));
        }
    }
    let elapsed = warm_started.elapsed();
    let memory_end = w.instance_memory_bytes(lang.pack());
    let pack = rt
        .packs()
        .into_iter()
        .find(|p| p.name == lang.pack())
        .expect("pack loaded");
    eprintln!(
        "{} soak: {calls} calls, {:.2} µs/call after warm-up (this build's \
         profile), linear memory {:?} bytes after {warm} calls, {:?} at the end, instances \
         built {}",
        lang.flag(),
        elapsed.as_secs_f64() * 1e6 / (calls - warm).max(1) as f64,
        memory_after_warmup,
        memory_end,
        w.instances_built()
    );
    eprintln!("{} memory (calls, bytes): {samples:?}", lang.flag());
    assert_eq!(
        pack.faults,
        0,
        "{}: faults: {:?}",
        lang.flag(),
        pack.faults_by_kind
    );
    assert_eq!(
        w.instances_built(),
        1,
        "{}: one instance served every call",
        lang.flag()
    );
    let (Some(warmed), Some(end)) = (memory_after_warmup, memory_end) else {
        panic!("{}: no live instance to measure", lang.flag());
    };
    assert!(warmed > 0, "{}: memory not measured", lang.flag());
    assert!(
        end <= warmed,
        "{}: linear memory grew from {warmed} to {end} bytes over the soak",
        lang.flag()
    );
    assert!(peak <= end, "{}: memory peaked at {peak}", lang.flag());
}

#[test]
fn python_rule_runs_under_the_default_limits() {
    // The daemon's defaults (16 MiB cap, a fresh instance every 100 000 calls): 300 000 calls,
    // no fault, the instance rebuilt on schedule.
    let dir = packs_dir(Lang::Python);
    let rt = ClassifierRuntime::new(RuntimeConfig {
        builtins: false,
        classifiers_dir: Some(dir.path().to_path_buf()),
        watch: false,
        cache_dir: Some(Path::new(env!("CARGO_TARGET_TMPDIR")).join("rule-languages-cache")),
        call_deadline: Duration::from_secs(2),
        ..RuntimeConfig::default()
    })
    .expect("runtime");
    assert!(rt.load_failures().is_empty(), "{:?}", rt.load_failures());
    let mut w = rt.worker();
    let mut noise = vec![0x10u8];
    noise.extend((1u32..256).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8));
    let connack = CONNACK.to_vec();
    for i in 0..300_000usize {
        let client: &[u8] = if i % 2 == 0 {
            CONNECT
        } else {
            &noise[..1 + i % noise.len()]
        };
        let mut v = FlowView::new(Transport::Tcp, 40000, 1883);
        v.client = side(client);
        v.server = side(&connack);
        let verdict = w.classify(&v);
        if i % 2 == 0 {
            assert!(
                matches!(verdict, Verdict::Matched(_)),
                "call #{i}: {verdict:?}"
            );
        }
    }
    let pack = rt
        .packs()
        .into_iter()
        .find(|p| p.name == Lang::Python.pack())
        .expect("pack loaded");
    assert_eq!(pack.faults, 0, "faults: {:?}", pack.faults_by_kind);
    assert_eq!(w.instances_built(), 3, "rebuilt every 100 000 calls");
}

#[test]
fn rust_rule_soak_a_million_calls_memory_flat() {
    soak(Lang::Rust);
}

#[test]
fn c_rule_soak_a_million_calls_memory_flat() {
    soak(Lang::C);
}

/// Flat since contract 0.3.0. Under 0.2.0 this grew ~22 bytes per call after ~180 000 calls:
/// componentize-py 0.25.1 never frees the allocation of an empty `list<string>` argument, and
/// `alpn` was one on every flow without ALPN (`sdk/python/leak-repro`). An absent ALPN is
/// `none` now, which allocates nothing.
#[test]
fn python_rule_soak_a_million_calls_memory_flat() {
    soak(Lang::Python);
}

#[test]
fn js_rule_soak_a_million_calls_memory_flat() {
    soak(Lang::Js);
}

// ---------------------------------------------------------------- C bindings vs the WIT

#[test]
fn c_bindings_are_what_wit_bindgen_makes_of_the_wit() {
    use wit_bindgen_core::wit_parser::Resolve;
    let mut resolve = Resolve::default();
    let (pkg, _) = resolve.push_path(root().join("wit")).expect("parse wit/");
    let world = resolve
        .select_world(&[pkg], Some("classifier"))
        .expect("world classifier");
    let mut files = wit_bindgen_core::Files::default();
    wit_bindgen_c::Opts::default()
        .build()
        .generate(&mut resolve, world, &mut files)
        .expect("generate C bindings");
    let dir = root().join("sdk/c/bindings");
    let bless = std::env::var_os("FLOWSIEVE_BLESS").is_some();
    let mut names = Vec::new();
    for (name, bytes) in files.iter() {
        names.push(name.to_owned());
        let path = dir.join(name);
        if bless {
            std::fs::write(&path, bytes).expect("write bindings");
            continue;
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == bytes,
            "{} is not what wit-bindgen's C generator makes of wit/classifier.wit today; \
             after a WIT change, regenerate with \
             `FLOWSIEVE_BLESS=1 cargo test --test rule_languages c_bindings`",
            path.display()
        );
    }
    names.sort();
    assert_eq!(
        names,
        [
            "classifier.c",
            "classifier.h",
            "classifier_component_type.o"
        ]
    );
}

//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test binary uses a different subset

use flowsieve_wasm::{
    test_guests, ClassifierRuntime, FlowView, RuntimeConfig, Side, Transport, Verdict,
    WorkerClassifier,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Quiet by default; `RUST_LOG=debug cargo test` shows the runtime's logs.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A config for tests: the shared compile cache of the test build (so each
/// test does not recompile the built-ins), no watching, generous deadline
/// (the build machine is shared).
pub fn config(dir: Option<&Path>) -> RuntimeConfig {
    init_tracing();
    RuntimeConfig {
        classifiers_dir: dir.map(Path::to_path_buf),
        watch: false,
        cache_dir: Some(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("classifier-cache")),
        call_deadline: Duration::from_millis(50),
        reload_debounce: Duration::from_millis(50),
        ..RuntimeConfig::default()
    }
}

/// Copies a test guest into `dir` as `file`, atomically (write + rename),
/// as a deployment tool should.
pub fn install(guest: &str, dir: &Path, file: &str) {
    let bytes = std::fs::read(test_guests::path(guest)).expect("test guest was built");
    write_atomically(dir, file, &bytes);
}

pub fn write_atomically(dir: &Path, file: &str, bytes: &[u8]) {
    let tmp = dir.join(format!(".{file}.tmp"));
    std::fs::write(&tmp, bytes).expect("write temp file");
    std::fs::rename(&tmp, dir.join(file)).expect("rename into place");
}

pub fn side(prefix: &[u8]) -> Side<'_> {
    Side {
        prefix,
        first_payload_len: prefix.len() as u32,
        packets: u32::from(!prefix.is_empty()),
        bytes: prefix.len() as u64,
    }
}

pub fn view<'a>(
    transport: Transport,
    sport: u16,
    client: &'a [u8],
    server: &'a [u8],
) -> FlowView<'a> {
    let mut v = FlowView::new(transport, 50123, sport);
    v.client = side(client);
    v.server = side(server);
    v
}

/// The protocol name of a verdict, or "no-match"/"need-more".
pub fn name(rt: &ClassifierRuntime, verdict: Verdict) -> String {
    match verdict {
        Verdict::Matched(id) => rt
            .protocol_name(id)
            .map(|n| n.to_string())
            .unwrap_or_else(|| "?".into()),
        Verdict::NoMatch => "no-match".into(),
        Verdict::NeedMore { .. } => "need-more".into(),
    }
}

pub fn classify_tcp(rt: &ClassifierRuntime, w: &mut WorkerClassifier, client: &[u8]) -> String {
    name(rt, w.classify(&view(Transport::Tcp, 9999, client, b"")))
}

/// Polls `cond` for up to 20 s (inotify + debounce + compile on a busy box).
pub fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for: {what}");
}

pub fn runtime(cfg: RuntimeConfig) -> Arc<ClassifierRuntime> {
    ClassifierRuntime::new(cfg).expect("runtime starts")
}

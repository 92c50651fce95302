//! Hostile guests (built from classifiers/testing by the build script): each
//! fault ends only that call, is counted under the right kind, the instance
//! is rebuilt, and a pack that keeps faulting is quarantined.

mod common;

use common::*;
use flowsieve_wasm::{ClassifierRuntime, FaultKind, RuntimeConfig};
use std::time::{Duration, Instant};

/// A runtime whose only pack is the test guest `guest`.
fn only(
    guest: &str,
    tweak: impl FnOnce(&mut RuntimeConfig),
) -> (tempfile::TempDir, std::sync::Arc<ClassifierRuntime>) {
    let dir = tempfile::tempdir().unwrap();
    install(guest, dir.path(), &format!("{guest}.wasm"));
    let mut cfg = RuntimeConfig {
        builtins: false,
        ..config(Some(dir.path()))
    };
    tweak(&mut cfg);
    let rt = runtime(cfg);
    assert_eq!(rt.load_failures(), [], "{guest} must load");
    (dir, rt)
}

fn faults(rt: &ClassifierRuntime) -> Vec<(FaultKind, u64)> {
    rt.packs()[0].faults_by_kind.clone()
}

#[test]
fn an_infinite_loop_is_cut_by_the_deadline_and_the_next_call_works() {
    let (_dir, rt) = only("loop", |c| c.call_deadline = Duration::from_millis(20));
    let mut w = rt.worker();
    let start = Instant::now();
    assert_eq!(classify_tcp(&rt, &mut w, b"spin"), "no-match");
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(2),
        "deadline not enforced: {took:?}"
    );
    assert_eq!(faults(&rt), [(FaultKind::Timeout, 1)]);
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "Test_Loop");
}

#[test]
fn a_memory_hog_hits_the_cap() {
    let (_dir, rt) = only("hog", |c| c.memory_limit = 4 << 20);
    let mut w = rt.worker();
    assert_eq!(classify_tcp(&rt, &mut w, b"eat"), "no-match");
    assert_eq!(faults(&rt), [(FaultKind::OutOfMemory, 1)]);
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "Test_Hog");
}

#[test]
fn runaway_recursion_is_a_stack_overflow() {
    let (_dir, rt) = only("recurse", |_| {});
    let mut w = rt.worker();
    assert_eq!(classify_tcp(&rt, &mut w, b"dive"), "no-match");
    assert_eq!(faults(&rt), [(FaultKind::StackOverflow, 1)]);
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "Test_Recurse");
}

#[test]
fn a_lying_verdict_is_a_fault_not_a_protocol() {
    let (_dir, rt) = only("liar", |_| {});
    let mut w = rt.worker();
    assert_eq!(classify_tcp(&rt, &mut w, b"lie"), "no-match");
    assert_eq!(faults(&rt), [(FaultKind::BadVerdict, 1)]);
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "Test_Liar");
}

#[test]
fn a_trapping_pack_is_rebuilt_then_quarantined() {
    let (dir, rt) = only("trap", |c| c.fault_threshold = 3);
    let mut w = rt.worker();
    assert_eq!(classify_tcp(&rt, &mut w, b"boom"), "no-match");
    // The trapped instance was replaced: the pack answers again.
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "Test_Trap");
    assert_eq!(classify_tcp(&rt, &mut w, b"boom"), "no-match");
    assert!(!rt.packs()[0].quarantined);
    assert_eq!(classify_tcp(&rt, &mut w, b"boom"), "no-match");
    let stats = &rt.packs()[0];
    assert!(stats.quarantined);
    assert_eq!(stats.faults_by_kind, [(FaultKind::Trap, 3)]);
    // Quarantined: not called any more, even for a flow it would match.
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "no-match");
    assert_eq!(rt.packs()[0].faults, 3);
    // Rewriting the file with the same bytes is not a change: still quarantined.
    let path = dir.path().join("trap.wasm");
    let bytes = std::fs::read(&path).unwrap();
    write_atomically(dir.path(), "trap.wasm", &bytes);
    assert!(!rt.rescan().changed);
    assert!(rt.packs()[0].quarantined);
    // New content (here: an extra custom section) is a new pack, fresh record.
    let mut changed = bytes;
    changed.extend_from_slice(&[0x00, 0x04, 0x02, b'v', b'2', b'x']);
    write_atomically(dir.path(), "trap.wasm", &changed);
    let report = rt.rescan();
    assert!(report.changed, "{report:?}");
    let stats = &rt.packs()[0];
    assert!(!stats.quarantined && stats.faults == 0);
    assert_eq!(classify_tcp(&rt, &mut w, b"ok"), "Test_Trap");
}

#[test]
fn other_workers_and_packs_are_unaffected() {
    let dir = tempfile::tempdir().unwrap();
    for guest in ["loop", "hog", "trap", "liar", "echo"] {
        install(guest, dir.path(), &format!("{guest}.wasm"));
    }
    let rt = runtime(RuntimeConfig {
        call_deadline: Duration::from_millis(20),
        ..config(Some(dir.path()))
    });
    let builtins = runtime(config(None)).packs().len();
    assert_eq!(rt.packs().len(), builtins + 5);
    let mut a = rt.worker();
    let mut b = rt.worker();
    // A flow nobody matches reaches every pack: each hostile one faults,
    // in each worker, and the call still returns.
    assert_eq!(classify_tcp(&rt, &mut a, b"nothing known"), "no-match");
    assert_eq!(classify_tcp(&rt, &mut b, b"nothing known"), "no-match");
    let total: u64 = rt.packs().iter().map(|p| p.faults).sum();
    assert_eq!(total, 8, "4 hostile packs x 2 workers");
    // Matches still come through; the hostile packs (priority 9) are not even
    // called once a better match (HTTP 2, Echo_Test 5) is in hand.
    let v = view(
        flowsieve_wasm::Transport::Tcp,
        80,
        b"GET / HTTP/1.1\r\n",
        b"",
    );
    assert_eq!(name(&rt, a.classify(&v)), "HTTP");
    assert_eq!(name(&rt, b.classify(&v)), "HTTP");
    assert_eq!(classify_tcp(&rt, &mut a, b"ECHO hello"), "Echo_Test");
    let total: u64 = rt.packs().iter().map(|p| p.faults).sum();
    assert_eq!(total, 8);
}

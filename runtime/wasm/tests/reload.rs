//! Hot reload: a watched directory; new packs classify, a built-in is
//! replaced and restored, a broken file is refused while the old set keeps
//! working, protocol ids stay stable across generations.

mod common;

use common::*;
use flowsieve_wasm::{RuntimeConfig, Transport};

#[test]
fn watched_directory_adds_replaces_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(RuntimeConfig {
        watch: true,
        ..config(Some(dir.path()))
    });
    let mut w = rt.worker();
    let http_flow = view(Transport::Tcp, 80, b"GET / HTTP/1.1\r\n", b"");
    let http_id = match w.classify(&http_flow) {
        flowsieve_wasm::Verdict::Matched(id) => id,
        other => panic!("{other:?}"),
    };
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO hi"), "no-match");
    let gen0 = rt.generation();

    // A new pack dropped into the directory.
    install("echo", dir.path(), "echo.wasm");
    eventually("echo pack classifies", || {
        classify_tcp(&rt, &mut w, b"ECHO hi") == "Echo_Test"
    });
    assert!(w.generation() > gen0);

    // A broken file: reported with its reason; the set in force keeps working.
    let gen1 = rt.generation();
    write_atomically(dir.path(), "broken.wasm", b"definitely not wasm");
    eventually("broken file reported", || {
        rt.load_failures()
            .iter()
            .any(|f| f.path.ends_with("broken.wasm"))
    });
    let failure = rt
        .load_failures()
        .into_iter()
        .find(|f| f.path.ends_with("broken.wasm"))
        .unwrap();
    assert!(
        failure.reason.contains("not a valid WebAssembly component"),
        "{}",
        failure.reason
    );
    assert_eq!(rt.generation(), gen1, "a refused file publishes nothing");
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO hi"), "Echo_Test");
    assert_eq!(name(&rt, w.classify(&http_flow)), "HTTP");

    // A file whose pack is named "core" replaces the built-in...
    install("corev2", dir.path(), "core.wasm");
    eventually("core replaced", || {
        name(&rt, w.classify(&http_flow)) == "HTTP_NonStandard"
    });
    assert_eq!(
        rt.packs()[0].version,
        "0.2.0-test",
        "the replacement keeps the built-in's place"
    );
    // ...and removing the file brings the built-in back, with the same id.
    std::fs::remove_file(dir.path().join("core.wasm")).unwrap();
    eventually("core restored", || {
        w.classify(&http_flow) == flowsieve_wasm::Verdict::Matched(http_id)
    });
    assert_eq!(rt.protocol_name(http_id).as_deref(), Some("HTTP"));
}

#[test]
fn rescan_without_watching() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(config(Some(dir.path())));
    let mut w = rt.worker();
    install("echo", dir.path(), "echo.wasm");
    // Not watched: nothing happens until asked (SIGHUP).
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO"), "no-match");
    let report = rt.rescan();
    assert!(report.changed);
    assert_eq!(report.loaded, ["echo"]);
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO"), "Echo_Test");
    // Unchanged directory: no new generation, nothing recompiled.
    let again = rt.rescan();
    assert!(!again.changed && again.loaded.is_empty());
    assert_eq!(again.generation, report.generation);
}

#[test]
fn a_loaded_file_overwritten_with_a_broken_one_keeps_its_pack() {
    let dir = tempfile::tempdir().unwrap();
    install("echo", dir.path(), "echo.wasm");
    let rt = runtime(config(Some(dir.path())));
    let mut w = rt.worker();
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO"), "Echo_Test");
    let generation = rt.generation();
    write_atomically(dir.path(), "echo.wasm", b"\0asm\x0d\x00\x01\x00 cut short");
    let report = rt.rescan();
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert!(
        !report.changed,
        "the refused file's previous pack stays: {report:?}"
    );
    assert_eq!(rt.generation(), generation);
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO"), "Echo_Test");
    // Still refused (and still in force) on the next rescan of the same bytes.
    let again = rt.rescan();
    assert!(!again.changed && again.failures.len() == 1, "{again:?}");
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO"), "Echo_Test");
    // A good version replaces it; removing the file removes the pack.
    install("echo", dir.path(), "echo.wasm");
    assert!(rt.rescan().failures.is_empty());
    std::fs::remove_file(dir.path().join("echo.wasm")).unwrap();
    assert!(rt.rescan().changed);
    assert_eq!(classify_tcp(&rt, &mut w, b"ECHO"), "no-match");
}

#[test]
fn workers_keep_classifying_through_swaps() {
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime(config(Some(dir.path())));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..2)
        .map(|_| {
            let rt = rt.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut w = rt.worker();
                let (mut calls, mut echo_seen, mut http_ok) = (0u64, false, true);
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    echo_seen |= classify_tcp(&rt, &mut w, b"ECHO") == "Echo_Test";
                    let v = view(Transport::Tcp, 80, b"GET / HTTP/1.1\r\n", b"");
                    http_ok &= name(&rt, w.classify(&v)).starts_with("HTTP");
                    calls += 1;
                }
                (calls, echo_seen, http_ok, w.generation())
            })
        })
        .collect();
    // Swap the set several times under the workers' feet.
    for round in 0..6 {
        if round % 2 == 0 {
            install("echo", dir.path(), "echo.wasm");
            install("corev2", dir.path(), "core.wasm");
        } else {
            std::fs::remove_file(dir.path().join("echo.wasm")).unwrap();
            std::fs::remove_file(dir.path().join("core.wasm")).unwrap();
        }
        assert!(rt.rescan().changed);
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    // Give the workers time to make a call on the last generation.
    std::thread::sleep(std::time::Duration::from_millis(300));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for handle in workers {
        let (calls, echo_seen, http_ok, generation) = handle.join().expect("worker survived");
        assert!(calls > 10, "{calls}");
        assert!(echo_seen, "the added pack was used");
        assert!(
            http_ok,
            "HTTP (built-in or replacement) named on every call"
        );
        assert_eq!(
            generation,
            rt.generation(),
            "worker caught up with the last swap"
        );
    }
}

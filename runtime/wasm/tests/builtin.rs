//! The built-in `core` pack through the real host: manifest, verdicts on
//! hand-written flows, refusal of an importing component, the compile cache.

mod common;

use common::*;
use flowsieve_wasm::{
    test_guests, ClassifierRuntime, LoadError, PackSource, ProtocolId, RuntimeConfig, Transport,
    Verdict,
};

const CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
];
const SERVER_HELLO: &[u8] = &[
    0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03,
];
const DNS_QUERY: &[u8] =
    b"\xbe\xef\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";
const DNS_REPLY: &[u8] =
    b"\xbe\xef\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01";

#[test]
fn core_manifest_is_loaded_and_interned() {
    let rt = runtime(config(None));
    let packs = rt.packs();
    // Every built-in family pack loads; `core` is first (directory-name order).
    assert!(packs.iter().all(|p| p.source == PackSource::Builtin));
    let core = &packs[0];
    assert_eq!(
        (core.name.as_str(), &core.source),
        ("core", &PackSource::Builtin)
    );
    let rules: Vec<&str> = core.rules.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        rules,
        ["HTTP", "HTTPS", "SSL/TLS", "SSH", "DNS", "DNS_TCP", "SMTP"]
    );
    // The full manifest rules, as `flowsieve classifiers list` shows them.
    assert_eq!(core.manifest_rules.len(), core.rules.len());
    let dns = &core.manifest_rules[4];
    assert_eq!(
        (dns.protocol.as_str(), dns.transport, dns.priority),
        ("DNS", Transport::Udp, 10)
    );
    let tls = &core.manifest_rules[2];
    assert_eq!((tls.category.as_str(), tls.priority), ("Encryption", 100));
    let http = rt.protocol_id("HTTP").expect("HTTP interned");
    assert_eq!(rt.category(http).as_deref(), Some("Web"));
    assert_eq!(
        rt.protocol_name(ProtocolId::UNKNOWN_TCP).as_deref(),
        Some("Unknown_TCP")
    );
    assert_eq!(rt.generation(), 1);
}

#[test]
fn core_verdicts_on_hand_written_flows() {
    let rt = runtime(config(None));
    let mut w = rt.worker();
    let mut check = |transport, port, c: &[u8], s: &[u8], want: &str| {
        let got = name(&rt, w.classify(&view(transport, port, c, s)));
        assert_eq!(got, want, "flow on port {port}");
    };
    check(
        Transport::Tcp,
        8080,
        b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
        b"HTTP/1.1 200 OK\r\n",
        "HTTP",
    );
    check(
        Transport::Tcp,
        22,
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"SSH-2.0-OpenSSH_9.2p1\r\n",
        "SSH",
    );
    check(Transport::Tcp, 443, CLIENT_HELLO, SERVER_HELLO, "HTTPS");
    check(Transport::Tcp, 8443, CLIENT_HELLO, SERVER_HELLO, "SSL/TLS");
    // TLS on the IMAPS port: the `mail` pack's IMAPS (3) beats core's SSL/TLS (100).
    check(Transport::Tcp, 993, CLIENT_HELLO, SERVER_HELLO, "IMAPS");
    check(Transport::Udp, 53, DNS_QUERY, DNS_REPLY, "DNS");
    check(
        Transport::Tcp,
        25,
        b"EHLO me\r\n",
        b"220 mx ESMTP\r\n",
        "SMTP",
    );
    // A 220 greeting alone is FTP or SMTP: the `filetransfer` pack takes the port as the
    // tiebreak on 21; elsewhere both wait for the client's first command.
    check(Transport::Tcp, 21, b"", b"220 FTP ready\r\n", "FTP_Control");
    check(Transport::Tcp, 2121, b"", b"220 FTP ready\r\n", "need-more");
    let noise: Vec<u8> = (0u32..96)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    check(Transport::Tcp, 4000, &noise, &noise, "no-match");
    check(Transport::Udp, 4000, &noise, &noise, "no-match");
}

#[test]
fn a_rule_built_against_an_older_contract_version_is_refused_naming_both_versions() {
    let rt = runtime(config(None));
    // 0.1.0 differs in the rules' fields, 0.2.0 only in `flow-view.alpn`'s type.
    for (guest, version) in [("contract01", "0.1.0"), ("contract02", "0.2.0")] {
        let err = rt
            .check_file(&test_guests::path(guest))
            .expect_err("must be refused");
        assert!(matches!(err, LoadError::WrongSignature { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("built against flowsieve:classifier@{version};"))
                && msg.contains("this flowsieve speaks flowsieve:classifier@0.3.0"),
            "{guest}: {msg}"
        );
    }
}

#[test]
fn a_rule_built_against_a_newer_contract_is_refused_saying_so() {
    let rt = runtime(config(None));
    let err = rt
        .check_file(&test_guests::path("contract04"))
        .expect_err("must be refused");
    assert!(matches!(err, LoadError::WrongSignature { .. }), "{err}");
    let msg = err.to_string();
    // World-level exports carry no package version, so "0.4.0" itself cannot be read from
    // the component: the message says newer, and which fields its rules have.
    assert!(
        msg.contains("built against a newer contract than flowsieve:classifier@0.3.0")
            && msg.contains("leads, description"),
        "{msg}"
    );
}

#[test]
fn a_component_importing_wasi_is_refused_with_the_import_named() {
    let rt = runtime(config(None));
    let err = rt
        .check_file(&test_guests::path("wasi"))
        .expect_err("must be refused");
    assert!(matches!(err, LoadError::Imports { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("wasi:random/random@0.2.0"), "{msg}");
    // A good file passes the same check.
    let ok = rt
        .check_file(&test_guests::path("echo"))
        .expect("echo loads");
    assert_eq!(
        ok.rules,
        [("Echo_Test".to_owned(), "Uncategorised".to_owned())]
    );
}

#[test]
fn garbage_is_refused_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    write_atomically(dir.path(), "junk.wasm", b"\0asm this is not a component");
    install("wasi", dir.path(), "sneaky.wasm");
    let rt = runtime(config(Some(dir.path())));
    let failures = rt.load_failures();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures[0].path.ends_with("junk.wasm") && failures[0].reason.contains("not a valid"),
        "{failures:?}"
    );
    assert!(
        failures[1].path.ends_with("sneaky.wasm") && failures[1].reason.contains("wasi:random"),
        "{failures:?}"
    );
    let builtins = runtime(config(None)).packs().len();
    assert_eq!(rt.packs().len(), builtins, "only the built-ins are loaded");
}

#[test]
fn second_load_hits_the_compile_cache() {
    let cache = tempfile::tempdir().unwrap();
    let cfg = RuntimeConfig {
        cache_dir: Some(cache.path().to_path_buf()),
        ..config(None)
    };
    let first = ClassifierRuntime::new(cfg.clone()).unwrap();
    assert!(!first.packs()[0].from_cache);
    drop(first);
    let second = ClassifierRuntime::new(cfg).unwrap();
    assert!(second.packs()[0].from_cache);
    let mut w = second.worker();
    assert!(matches!(
        w.classify(&view(Transport::Tcp, 80, b"GET / HTTP/1.1\r\n", b"")),
        Verdict::Matched(_)
    ));
}

#[test]
fn instances_are_reused_and_recycled_every_n_calls() {
    // Recycling is under test, not the deadline: a generous one, so a call descheduled on a
    // loaded machine is not retried on an extra instance (see worker.rs `call`).
    let rt = runtime(RuntimeConfig {
        recycle_after_calls: 4,
        call_deadline: std::time::Duration::from_secs(2),
        ..config(None)
    });
    let mut w = rt.worker();
    let http = view(Transport::Tcp, 80, b"GET / HTTP/1.1\r\n", b"");
    for _ in 0..4 {
        assert_eq!(name(&rt, w.classify(&http)), "HTTP");
    }
    assert_eq!(
        w.instances_built(),
        1,
        "one instance serves the first 4 calls"
    );
    for _ in 0..8 {
        assert_eq!(name(&rt, w.classify(&http)), "HTTP");
    }
    assert_eq!(w.instances_built(), 3, "then a fresh one every 4 calls");
}

#[test]
fn a_pack_whose_manifest_traps_is_refused_with_the_reason() {
    let rt = runtime(config(None));
    let err = rt
        .check_file(&test_guests::path("badmanifest"))
        .expect_err("must be refused");
    assert!(matches!(err, LoadError::ManifestCall(_)), "{err}");
    assert!(err.to_string().contains("unreachable"), "{err}");
}

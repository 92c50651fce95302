//! Live capture on the loopback interface: real libpcap, real sockets, wall-clock intervals,
//! and SIGTERM or SIGINT flushing every open flow. Needs root (CI runs as root); otherwise it
//! says why it did not run. (`tests/resilience.rs` signals a daemon reading a FIFO, without
//! root.)

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::daemon::is_root;
use common::*;

#[test]
fn live_loopback_capture_flushes_on_sigterm() {
    flushes_on("TERM");
}

#[test]
fn live_loopback_capture_flushes_on_sigint() {
    flushes_on("INT");
}

fn flushes_on(signal: &str) {
    if !is_root() {
        eprintln!(
            "live_loopback_capture_flushes_on_sig{signal}: not run, capturing on lo needs root"
        );
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let udp_server = UdpSocket::bind("127.0.0.1:0").expect("udp bind");
    let udp_port = udp_server.local_addr().expect("addr").port();

    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("live.jsonl");
    let cfg = dir.path().join("live.yaml");
    std::fs::write(&cfg, "flow_statistics:\n  output_interval: 1\n").expect("config");
    let filter = format!("port {port} or port {udp_port}");
    let child = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["run", "-i", "lo", "-f", &filter, "-c"])
        .arg(&cfg)
        .arg("-o")
        .arg(&out)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start flowsieve");
    std::thread::sleep(Duration::from_millis(1500)); // libpcap opens and the filter is set

    // Flow 1: request, response, both sides close.
    let server = std::thread::spawn(move || {
        let mut conns = Vec::new();
        for _ in 0..2 {
            let (mut s, _) = listener.accept().expect("accept");
            let mut buf = [0u8; 5];
            s.read_exact(&mut buf).expect("read");
            s.write_all(b"world!").expect("write");
            conns.push(s);
        }
        conns
    });
    let mut c1 = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c1.write_all(b"hello").expect("send");
    let mut buf = [0u8; 6];
    c1.read_exact(&mut buf).expect("recv");
    // Flow 2: stays open until flowsieve is stopped.
    let mut c2 = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    c2.write_all(b"HELLO").expect("send");
    c2.read_exact(&mut buf).expect("recv");
    let conns = server.join().expect("server thread");
    drop(c1);
    drop(conns.into_iter().next());
    // Flow 3: a UDP exchange.
    let client = UdpSocket::bind("127.0.0.1:0").expect("udp");
    client
        .send_to(b"ping", ("127.0.0.1", udp_port))
        .expect("udp send");
    let mut ubuf = [0u8; 16];
    let (n, from) = udp_server.recv_from(&mut ubuf).expect("udp recv");
    udp_server.send_to(&ubuf[..n], from).expect("udp reply");
    let _ = client.recv_from(&mut ubuf);

    // Let at least two wall-clock interval boundaries pass with flow 2 open.
    std::thread::sleep(Duration::from_millis(2600));
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopped      by signal"), "{stderr}");
    drop(c2);

    let text = std::fs::read_to_string(&out).expect("records");
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let flows = by_flow(&records);
    assert_eq!(flows.len(), 3, "{text}");
    let mut reasons = Vec::new();
    for recs in flows.values() {
        assert_eq!(kind(recs[0]), "flow_start");
        let end = recs.last().expect("records");
        assert_eq!(kind(end), "flow_end");
        reasons.push(
            s(end, &["flow", "end_reason"])
                .as_str()
                .unwrap_or("")
                .to_string(),
        );
        let t = s(end, &["flow", "transport"]).as_str().unwrap_or("");
        let (out_b, in_b) = (
            u(end, &["flow", "out_bytes_total"]),
            u(end, &["flow", "in_bytes_total"]),
        );
        if t == "tcp" {
            assert_eq!((out_b, in_b), (5, 6), "client sent 5 bytes, server 6");
            assert_eq!(u(end, &["destination", "port"]), port as u64);
        } else {
            assert_eq!((out_b, in_b), (4, 4));
        }
    }
    reasons.sort();
    // Flow 1 closed (fin, lingering when stopped); flows 2 and 3 were open at the signal.
    assert_eq!(reasons, vec!["fin", "shutdown", "shutdown"], "{text}");
    let open_tcp = flows
        .values()
        .find(|r| {
            s(r[r.len() - 1], &["flow", "end_reason"]) == "shutdown"
                && s(r[0], &["flow", "transport"]) == "tcp"
        })
        .expect("open tcp flow");
    let intervals = open_tcp
        .iter()
        .filter(|r| kind(r) == "flow_interval")
        .count();
    assert!(
        intervals >= 2,
        "{intervals} interval records while open for ~2.6 s at 1 s intervals"
    );
}

//! OpenVPN detection on real captures: every OpenVPN flow of openvpn.pcap is
//! recognised from its first client payload, and no other flow's first
//! payload in the corpus (TLS, QUIC, DTLS, STARTTLS, DNS, HTTP, SSH...) is.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::oracle::data_dir;
use flowsieve_tls::OpenVpnTls;

/// (capture, tcp, client, first client payload) of every flow; TCP payloads
/// are the first data segment (the harness does not reorder here).
fn first_payloads(path: &Path) -> Vec<(bool, String, Vec<u8>)> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (linktype, frame) in common::read_frames(path) {
        let Some(seg) = common::decode(linktype, &frame) else {
            continue;
        };
        if seg.payload.is_empty() {
            continue;
        }
        let tcp = seg.tcp.is_some();
        let key = if seg.src <= seg.dst {
            (tcp, seg.src, seg.dst)
        } else {
            (tcp, seg.dst, seg.src)
        };
        if seen.insert(key) {
            let client = format!("{}:{}", seg.src.0, seg.src.1);
            out.push((tcp, client, seg.payload.to_vec()));
        }
    }
    out
}

fn captures() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [data_dir().join("ndpi"), data_dir().join("malformed")] {
        files.extend(
            std::fs::read_dir(dir)
                .expect("data dir")
                .flatten()
                .map(|e| e.path()),
        );
    }
    for dir in std::fs::read_dir(data_dir().join("suricata"))
        .expect("suricata")
        .flatten()
    {
        files.extend(
            std::fs::read_dir(dir.path())
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path()),
        );
    }
    files.retain(|p| {
        let name = p.file_name().and_then(|s| s.to_str()).unwrap_or("");
        p.is_file() && (name.ends_with(".pcap") || name.ends_with(".pcapng"))
    });
    files.sort();
    files
}

#[test]
fn openvpn_client_hard_resets_are_recognised_and_nothing_else() {
    let mut negatives = 0;
    let mut positives = Vec::new();
    for path in captures() {
        let openvpn_capture = path.file_name().is_some_and(|n| n == "openvpn.pcap");
        for (tcp, client, payload) in first_payloads(&path) {
            let hit = OpenVpnTls::looks_like_openvpn(&payload, tcp);
            if openvpn_capture {
                if hit {
                    positives.push(format!("{}{client}", if tcp { "tcp " } else { "udp " }));
                }
            } else {
                negatives += 1;
                assert!(!hit, "false positive: {} {client}", path.display());
            }
        }
    }
    positives.sort();
    println!("{negatives} non-OpenVPN first payloads rejected; recognised: {positives:?}");
    assert!(negatives > 300, "only {negatives} flows checked");
    // The two oracle flows, the other tls-auth flows (SHA1 and SHA512 HMACs,
    // over UDP and TCP), and a tls-crypt one (TCP, 127.0.0.1:36138).
    for expected in [
        "tcp 10.181.235.122:39772",
        "udp 3.111.166.78:51146",
        "udp 192.168.43.12:41507",
        "udp 192.168.43.18:13680",
        "udp 192.168.12.156:41133",
        "udp 192.168.12.156:37383",
        "tcp 192.168.1.77:60140",
        "tcp 127.0.0.1:36138",
    ] {
        assert!(
            positives.iter().any(|p| p == expected),
            "{expected} not recognised"
        );
    }
}

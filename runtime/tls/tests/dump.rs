//! Developer aid, not a check: print what the parsers make of one capture.
//! `PCAP=path/to/file.pcap cargo test --test dump -- --ignored --nocapture`

mod common;

use std::path::Path;

use common::Inspector;
use flowsieve_tls::{Direction, StreamPrefixConfig, TlsConfig};

#[test]
#[ignore = "developer aid: set PCAP and run with --ignored --nocapture"]
fn dump_capture() {
    let Ok(path) = std::env::var("PCAP") else {
        return;
    };
    let path = Path::new(&path);
    for (i, (linktype, frame)) in common::read_frames(path).iter().enumerate() {
        if let Some(s) = common::decode(*linktype, frame) {
            let tcp = s.tcp.map_or(String::new(), |t| {
                format!(
                    "seq={} syn={} ack={} fin={} rst={}",
                    t.seq, t.syn, t.ack, t.fin, t.rst
                )
            });
            let head = &s.payload[..s.payload.len().min(12)];
            println!(
                "#{i} {:?} -> {:?} {tcp} len={} {head:02x?}",
                s.src,
                s.dst,
                s.payload.len()
            );
        }
    }
    let config = TlsConfig {
        fingerprint_strings: true,
        ..TlsConfig::default()
    };
    for f in common::run_capture(path, StreamPrefixConfig::default(), config) {
        let detail = match &f.inspector {
            Inspector::Tcp(tcp) => format!(
                "tcp error={:?} stop={:?}/{:?}",
                tcp.parser().last_error(),
                tcp.parser().stop_reason(Direction::ClientToServer),
                tcp.parser().stop_reason(Direction::ServerToClient)
            ),
            Inspector::Quic(q) => format!(
                "quic version={:?} error={:?}",
                q.quic_version(),
                q.last_error()
            ),
            Inspector::Dtls(_) => "dtls".to_owned(),
            Inspector::OpenVpn(o) => format!("openvpn encrypted={}", o.is_encrypted()),
            Inspector::Other => "other".to_owned(),
        };
        println!(
            "{} -> {} packets={} final_at={:?} {detail}",
            f.client_str(),
            f.server_str(),
            f.packets,
            f.final_at_packet
        );
        if let Some(m) = f.metadata() {
            println!("  {}", serde_json::to_string(m).unwrap_or_default());
        }
    }
}

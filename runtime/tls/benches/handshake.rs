//! Cost of parsing one full TLS 1.2 handshake with a certificate chain of at
//! least three certificates, per flow (no criterion: a plain timing loop, so
//! the crate needs no extra dependency). `cargo bench --bench handshake`

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::time::Instant;

use common::Inspector;
use flowsieve_tls::{Direction, StreamPrefixConfig, TlsConfig, TlsParser};

fn main() {
    let capture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/ndpi/sites.pcapng");
    let flows = common::run_capture(
        &capture,
        StreamPrefixConfig::default(),
        TlsConfig::default(),
    );
    // The reassembled streams of the first TLS 1.2 flow with >= 3 server certificates.
    let Some((client, server)) = flows.iter().find_map(|f| match &f.inspector {
        Inspector::Tcp(tcp)
            if tcp.metadata().version == Some(0x0303)
                && tcp.metadata().server.certificates.len() >= 3 =>
        {
            Some((
                tcp.stream(Direction::ClientToServer).contiguous().to_vec(),
                tcp.stream(Direction::ServerToClient).contiguous().to_vec(),
            ))
        }
        _ => None,
    }) else {
        eprintln!("no suitable flow in {}", capture.display());
        return;
    };
    let iterations = 2000;
    let start = Instant::now();
    let mut certificates = 0;
    for _ in 0..iterations {
        let mut parser = TlsParser::new(TlsConfig::default());
        parser.update(&client, &server);
        certificates += parser.metadata().server.certificates.len();
    }
    let per_flow = start.elapsed() / iterations;
    println!(
        "TLS 1.2 handshake, {} certificates, {} + {} stream bytes: {:?} per flow",
        certificates / iterations as usize,
        client.len(),
        server.len(),
        per_flow
    );
}

//! `TlsParser` fed growing client and server stream prefixes (records append to their
//! direction's stream; flags bit 2 closes it).
#![no_main]
use flowsieve_fuzz::records;
use flowsieve_tls::{Direction, TlsConfig, TlsParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let config = TlsConfig {
        fingerprint_strings: sel & 1 != 0,
        max_handshake_message: if sel & 2 != 0 { 512 } else { 64 * 1024 },
        max_certificates: usize::from(sel >> 4),
        max_sync_scan: if sel & 4 != 0 { 16 } else { 8 * 1024 },
    };
    let mut parser = TlsParser::new(config);
    let mut client = Vec::new();
    let mut server = Vec::new();
    for r in records(rest) {
        let stream = match r.dir() {
            Direction::ClientToServer => &mut client,
            Direction::ServerToClient => &mut server,
        };
        stream.extend_from_slice(r.data);
        parser.feed(r.dir(), stream);
        if r.fin() {
            parser.close_direction(r.dir());
        }
    }
    let _ = (parser.is_final(), parser.heap_bytes(), parser.last_error());
    let _ = parser.into_metadata();
});

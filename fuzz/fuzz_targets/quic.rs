//! QUIC Initial decryption and parsing: datagrams of both directions (records: flags bit 0 =
//! server). Byte 0 picks small or default limits.
#![no_main]
use flowsieve_fuzz::records;
use flowsieve_tls::{QuicConfig, QuicParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let config = if sel & 1 == 0 {
        QuicConfig::default()
    } else {
        QuicConfig {
            max_crypto_bytes: usize::from(sel) * 16,
            max_initial_packets: u32::from(sel >> 4),
            ..QuicConfig::default()
        }
    };
    let mut parser = QuicParser::new(config);
    for r in records(rest) {
        let _ = QuicParser::looks_like_quic_initial(r.data);
        parser.feed_datagram(r.dir(), r.data);
    }
    let _ = (
        parser.is_final(),
        parser.quic_version(),
        parser.last_error(),
    );
    let _ = parser.into_metadata();
});

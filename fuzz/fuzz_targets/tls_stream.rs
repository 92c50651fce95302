//! TLS over TCP as the pipeline drives it: `TcpTlsInspector` fed segments of both directions
//! (records: flags bit 0 = server, bit 1 = SYN, bit 2 = FIN/RST; seq = TCP sequence number).
#![no_main]
use flowsieve_fuzz::records;
use flowsieve_tls::{StreamPrefixConfig, TcpTlsInspector, TlsConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let tls = TlsConfig {
        fingerprint_strings: sel & 1 != 0,
        ..TlsConfig::default()
    };
    let mut inspector = TcpTlsInspector::new(StreamPrefixConfig::default(), tls);
    for r in records(rest) {
        inspector.on_segment(r.dir(), r.seq, r.syn(), r.fin(), r.data);
        let _ = inspector.is_final();
    }
    let _ = (inspector.heap_bytes(), inspector.roles_swapped());
    let _ = inspector.into_metadata();
});

//! DTLS handshakes: datagrams of both directions (records: flags bit 0 = server).
#![no_main]
use flowsieve_fuzz::records;
use flowsieve_tls::{DtlsParser, TlsConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parser = DtlsParser::new(TlsConfig::default());
    for r in records(data) {
        let _ = DtlsParser::looks_like_dtls(r.data);
        parser.feed_datagram(r.dir(), r.data);
    }
    let _ = (parser.is_final(), parser.roles_swapped());
    let _ = parser.into_metadata();
});

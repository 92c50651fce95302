//! TLS over TCP as the pipeline drives it: `TcpTlsInspector` fed segments of both directions
//! (records: flags bit 0 = server, bit 1 = SYN, bit 2 = FIN/RST; seq = TCP sequence number).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::tls_stream(data));

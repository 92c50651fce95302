//! DTLS handshakes: datagrams of both directions (records: flags bit 0 = server).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::dtls(data));

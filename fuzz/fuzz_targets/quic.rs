//! QUIC Initial decryption and parsing: datagrams of both directions (records: flags bit 0 =
//! server). Byte 0 picks small or default limits.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::quic(data));

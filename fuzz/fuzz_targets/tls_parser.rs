//! `TlsParser` fed growing client and server stream prefixes (records append to their
//! direction's stream; flags bit 2 closes it).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::tls_parser(data));

//! The classifier host with the built-in packs, fed arbitrary flow views: the first
//! `CLASSIFIER_HEADER` bytes give the scalars (transport, ports, counters, SNI, ALPN) through
//! `arbitrary`; the rest is `[client_len u16 LE][client prefix][server prefix]`.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::classifier(data));

//! `flowsieve.yaml` parsing and validation.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::config(data));

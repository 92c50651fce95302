//! Certificate summaries (subject, issuer, SAN, validity, serial) from arbitrary DER.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::x509(data));

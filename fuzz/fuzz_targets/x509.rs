//! Certificate summaries (subject, issuer, SAN, validity, serial) from arbitrary DER.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = flowsieve_tls::summarize_certificate(data);
});

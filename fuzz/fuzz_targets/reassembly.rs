//! TCP reassembly: one direction's `StreamPrefix` fed arbitrary segment sequences
//! (records: flags bit 1 = SYN, seq = TCP sequence number).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::reassembly(data));

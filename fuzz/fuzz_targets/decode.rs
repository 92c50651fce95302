//! Packet decode: `[link u8][records...]`, each record a frame (its `seq` is the wire length,
//! its `flags` the timestamp step). Low nibble of byte 0 % 9 picks the link type, bit 7 turns
//! tunnel decoding off. Several frames in one input exercise the fragment tracker.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| flowsieve_fuzz::targets::decode(data));

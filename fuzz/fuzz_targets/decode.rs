//! Packet decode: `[link u8][records...]`, each record a frame (its `seq` is the wire length,
//! its `flags` the timestamp step). Low nibble of byte 0 % 9 picks the link type, bit 7 turns
//! tunnel decoding off. Several frames in one input exercise the fragment tracker.
#![no_main]
use flowsieve::decode::Decoder;
use flowsieve_fuzz::{records, LINK_TYPES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let link = LINK_TYPES[usize::from(sel & 0x0f) % LINK_TYPES.len()];
    let mut decoder = Decoder::new(link, sel & 0x80 == 0);
    let mut ts: i64 = 1_600_000_000_000_000;
    for r in records(rest) {
        ts += i64::from(r.flags) * 1_000_000;
        if let Ok(d) = decoder.decode(ts, r.data, r.seq) {
            assert!(d.payload.len() <= r.data.len());
        }
    }
});

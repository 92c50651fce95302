//! TCP reassembly: one direction's `StreamPrefix` fed arbitrary segment sequences
//! (records: flags bit 1 = SYN, seq = TCP sequence number).
#![no_main]
use flowsieve_fuzz::records;
use flowsieve_tls::{StreamPrefix, StreamPrefixConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    // Small caps too, so the limits are reached.
    let config = if sel & 1 == 0 {
        StreamPrefixConfig::default()
    } else {
        StreamPrefixConfig {
            max_bytes: usize::from(sel >> 1) * 8,
            max_out_of_order_ranges: usize::from(sel >> 5),
        }
    };
    let mut p = StreamPrefix::new(config);
    let mut last = 0;
    for r in records(rest) {
        if r.flags & 8 != 0 {
            p.on_syn(r.seq);
        } else {
            p.on_segment(r.seq, r.syn(), r.data);
        }
        let len = p.contiguous().len();
        assert!(len >= last, "in-order prefix shrank");
        assert!(len + p.out_of_order_bytes() <= config.max_bytes.max(len));
        last = len;
        let _ = (p.is_full(), p.cap_reached(), p.heap_bytes());
    }
    p.release();
});

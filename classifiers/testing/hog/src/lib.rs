//! Test guest `hog`: allocates without bound unless the client prefix is empty
//! or starts with "ok",
//! in which case it matches its only rule, proving the host recovered.

use flowsieve_sdk::prelude::*;
use std::hint::black_box;

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new("hog", "0.1.0")
            .tcp(0, "Test_Hog", "Uncategorised", 9)
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        // Behave on the host's warm-up call (empty flow) so the pack loads.
        if flow.client.prefix.is_empty() {
            return Outcome::NoMatch;
        }
        if flow.client.prefix.starts_with(b"ok") {
            return Outcome::Matched(0);
        }
        misbehave(black_box(flow.client.prefix.len() as u64))
    }
}

fn misbehave(n: u64) -> Outcome {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![n as u8; 1 << 20]);
        black_box(&hoard);
    }
}

flowsieve_sdk::export_rule!(Pack);

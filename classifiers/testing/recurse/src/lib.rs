//! Test guest `recurse`: recurses until the stack overflows unless the client prefix is empty
//! or starts with "ok",
//! in which case it matches its only rule, proving the host recovered.

use flowsieve_sdk::prelude::*;
use std::hint::black_box;

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new("recurse", "0.1.0")
            .tcp(0, "Test_Recurse", "Uncategorised", 9)
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

/// Scalars only, so every frame lives on the wasm stack (not Rust's shadow
/// stack in linear memory), and a non-associative use of the result so the
/// compiler cannot turn the recursion into a loop.
#[inline(never)]
#[allow(unconditional_recursion)] // the point of this guest
fn deeper(n: u64) -> u64 {
    deeper(n.wrapping_add(1)).rotate_left(3) ^ n
}

fn misbehave(n: u64) -> Outcome {
    Outcome::Matched(deeper(n) as u32)
}

flowsieve_sdk::export_rule!(Pack);

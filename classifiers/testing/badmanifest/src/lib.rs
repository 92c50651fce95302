//! Test guest `badmanifest`: declares its first rule with index 1. The SDK's
//! `ManifestBuilder` panics on that, `manifest()` traps, and the host must
//! refuse the pack at load with the reason.

use flowsieve_sdk::prelude::*;

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new("badmanifest", "0.1.0")
            .tcp(1, "Test_Bad", "Uncategorised", 9)
            .build()
    }

    fn classify(_flow: &FlowView) -> Outcome {
        Outcome::Matched(0)
    }
}

flowsieve_sdk::export_rule!(Pack);

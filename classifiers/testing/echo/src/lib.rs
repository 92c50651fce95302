//! Test guest `echo`: a well-behaved pack for load and hot-reload tests.
//! Names TCP flows whose client prefix starts with "ECHO" `Echo_Test`.

use flowsieve_sdk::prelude::*;

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new("echo", "0.1.0")
            .tcp(0, "Echo_Test", "Uncategorised", 5)
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        if flow.client.prefix.starts_with(b"ECHO") {
            Outcome::Matched(0)
        } else {
            Outcome::NoMatch
        }
    }
}

flowsieve_sdk::export_rule!(Pack);

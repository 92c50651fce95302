//! Test guest `corev2`: its manifest is named "core", so a file of it in the
//! classifiers directory replaces the built-in `core` pack. It names HTTP
//! requests `HTTP_NonStandard` so a test can tell which pack answered.

use flowsieve_sdk::prelude::*;

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new("core", "0.2.0-test")
            .tcp(0, "HTTP_NonStandard", "Web", 2)
            .build()
    }

    fn classify(flow: &FlowView) -> Outcome {
        if ascii_method(&flow.client.prefix, &[b"GET", b"POST"]) {
            Outcome::Matched(0)
        } else {
            Outcome::NoMatch
        }
    }
}

flowsieve_sdk::export_rule!(Pack);

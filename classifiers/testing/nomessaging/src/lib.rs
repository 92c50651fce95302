//! Test guest `nomessaging`: its manifest is named `messaging`, so a file of it replaces the
//! built-in messaging pack (which names MQTT) with a pack that names nothing. The rule-language
//! tests load it next to their MQTT rule, so the name they see can only come from that rule.

use flowsieve_sdk::prelude::*;

struct Pack;

impl Rule for Pack {
    fn manifest() -> Manifest {
        ManifestBuilder::new("messaging", "0.0.0-test")
            .tcp(0, "Test_Never", "Uncategorised", 250)
            // A lead no real flow carries: the host never calls this pack.
            .leads([client(b"\0never\0")])
            .build()
    }

    fn classify(_flow: &FlowView) -> Outcome {
        Outcome::NoMatch
    }
}

flowsieve_sdk::export_rule!(Pack);

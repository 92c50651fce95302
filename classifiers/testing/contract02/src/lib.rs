//! Test guest `contract02`: a good rule built against the retired
//! `flowsieve:classifier@0.2.0` (a copy of that WIT is in `wit/`: the same
//! rules as today's, but `flow-view.alpn` a plain list). The host must refuse
//! it with a message naming the version it was built for and the version the
//! host speaks: the version a rule written before 0.3.0 meets.

wit_bindgen::generate!({
    path: "wit/classifier.wit",
    world: "classifier",
});

struct Pack;

impl Guest for Pack {
    fn manifest() -> Manifest {
        Manifest {
            name: "contract02".into(),
            version: "0.1.0".into(),
            rules: vec![Rule {
                protocol: "Test_Old".into(),
                category: "Uncategorised".into(),
                transport: Transport::Tcp,
                priority: 9,
                ports: Vec::new(),
                leads: Vec::new(),
            }],
        }
    }

    fn classify(flow: FlowView) -> Outcome {
        if flow.alpn.is_empty() {
            Outcome::NoMatch
        } else {
            Outcome::Matched(0)
        }
    }
}

export!(Pack);

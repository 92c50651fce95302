//! Test guest `contract01`: a good rule built against the retired
//! `flowsieve:classifier@0.1.0` (a copy of that WIT is in `wit/`). The host
//! must refuse it with a message naming the version it was built for and
//! the version the host speaks.

wit_bindgen::generate!({
    path: "wit/classifier.wit",
    world: "classifier",
});

struct Pack;

impl Guest for Pack {
    fn manifest() -> Manifest {
        Manifest {
            name: "contract01".into(),
            version: "0.1.0".into(),
            rules: vec![Rule {
                protocol: "Test_Old".into(),
                category: "Uncategorised".into(),
                transport: Transport::Tcp,
                priority: 9,
                ports: Vec::new(),
            }],
        }
    }

    fn classify(_flow: FlowView) -> Outcome {
        Outcome::NoMatch
    }
}

export!(Pack);

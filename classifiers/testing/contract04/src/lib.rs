//! Test guest `contract04`: a good rule built against a NEWER contract than
//! the host's, `flowsieve:classifier@0.4.0` (a copy of the WIT with one more
//! rule field is in `wit/`). The host must refuse it with a message naming
//! the version it speaks and saying the rule is newer.

wit_bindgen::generate!({
    path: "wit/classifier.wit",
    world: "classifier",
});

struct Pack;

impl Guest for Pack {
    fn manifest() -> Manifest {
        Manifest {
            name: "contract04".into(),
            version: "0.1.0".into(),
            rules: vec![Rule {
                protocol: "Test_New".into(),
                category: "Uncategorised".into(),
                transport: Transport::Tcp,
                priority: 9,
                ports: Vec::new(),
                leads: Vec::new(),
                description: "nothing".into(),
            }],
        }
    }

    fn classify(_flow: FlowView) -> Outcome {
        Outcome::NoMatch
    }
}

export!(Pack);

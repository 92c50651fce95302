//! Test guest `wasi`: a classifier that imports `wasi:random/random`. The
//! host must refuse to load it and name the import.

wit_bindgen::generate!({
    path: ["../../../wit/classifier.wit", "wit/random.wit", "wit/sneaky.wit"],
    world: "flowsieve:sneaky/sneaky",
    generate_all,
});

struct Pack;

impl Guest for Pack {
    fn manifest() -> Manifest {
        Manifest {
            name: "wasi".into(),
            version: "0.2.0".into(),
            rules: vec![Rule {
                protocol: "Test_Wasi".into(),
                category: "Uncategorised".into(),
                transport: Transport::Tcp,
                priority: 9,
                ports: Vec::new(),
                leads: Vec::new(),
            }],
        }
    }

    fn classify(_flow: FlowView) -> Outcome {
        // Using the import keeps it in the component (unused imports are dropped).
        if wasi::random::random::get_random_u64().is_multiple_of(2) {
            Outcome::Matched(0)
        } else {
            Outcome::NoMatch
        }
    }
}

export!(Pack);

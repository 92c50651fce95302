//! Test guest `wasifs`: a classifier that reads files (it imports `wasi:filesystem/preopens@0.2.0`).
//! The host must refuse to load it and name the import.

wit_bindgen::generate!({
    path: ["../../../wit/classifier.wit", "wit/filesystem.wit", "wit/sneaky.wit"],
    world: "flowsieve:sneaky/sneaky",
    generate_all,
});

struct Pack;

impl Guest for Pack {
    fn manifest() -> Manifest {
        Manifest {
            name: "wasifs".into(),
            version: "0.1.0".into(),
            rules: vec![Rule {
                protocol: "Test_Sneaky".into(),
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
        if (wasi::filesystem::preopens::get_directories().len()) % 2 == 0 {
            Outcome::Matched(0)
        } else {
            Outcome::NoMatch
        }
    }
}

export!(Pack);

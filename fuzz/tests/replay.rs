//! Replays, without cargo-fuzz, every input a fuzz target has kept: the crashers and slow
//! inputs fuzzing found (`regressions/<target>/`, each fixed and kept so it stays fixed) and
//! the seed corpora (`corpus/seeds/<target>/`, built from real captures). Run by
//! `scripts/test.sh`, so a regression fails the ordinary test suite.

use std::path::{Path, PathBuf};

use flowsieve_fuzz::targets::ALL;

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

fn replay(kind: &str) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut total = 0;
    for (name, run) in ALL {
        let dir = match kind {
            "regressions" => root.join("regressions").join(name),
            _ => root.join("corpus").join("seeds").join(name),
        };
        for file in inputs(&dir) {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            // A panic names the input: the test harness prints it with the panic message.
            eprintln!("{name}: {}", file.display());
            run(&data);
            total += 1;
        }
    }
    total
}

#[test]
fn every_kept_crasher_stays_fixed() {
    let n = replay("regressions");
    eprintln!("replayed {n} regression inputs");
}

#[test]
fn every_seed_runs_clean() {
    let n = replay("seeds");
    // The seeds are committed; an empty replay means they were not found.
    assert!(n > 100, "only {n} seed inputs found under corpus/seeds");
}

//! Helpers for the end-to-end tests: run the real binary on real captures, read its records.
#![allow(dead_code)]

pub mod daemon;
pub mod ndpi;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn data(rel: &str) -> PathBuf {
    root().join("tests/data").join(rel)
}

/// What one run produced.
pub struct Run {
    pub records: Vec<Value>,
    pub stderr: String,
    pub status: Option<i32>,
}

/// Runs `flowsieve run -q -r CAPTURE` with extra arguments; records come back parsed (a line
/// that is not JSON fails the test).
pub fn run(capture: &Path, extra: &[&str]) -> Run {
    run_with_config(capture, None, extra)
}

pub fn run_with_config(capture: &Path, config_yaml: Option<&str>, extra: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("records.jsonl");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowsieve"));
    cmd.arg("run").arg("-r").arg(capture).arg("-o").arg(&out);
    if let Some(yaml) = config_yaml {
        let cfg = dir.path().join("flowsieve.yaml");
        std::fs::write(&cfg, yaml).expect("write config");
        cmd.arg("-c").arg(cfg);
    }
    cmd.args(extra);
    let output = cmd.output().expect("run flowsieve");
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let records = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    Run {
        records,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        status: output.status.code(),
    }
}

pub fn s<'a>(v: &'a Value, path: &[&str]) -> &'a Value {
    path.iter().fold(v, |v, k| &v[*k])
}

pub fn u(v: &Value, path: &[&str]) -> u64 {
    s(v, path)
        .as_u64()
        .unwrap_or_else(|| panic!("{path:?} is not an unsigned integer in {v}"))
}

pub fn kind(v: &Value) -> &str {
    s(v, &["flow", "type"]).as_str().unwrap_or("")
}

/// Records grouped by flow id, in output order.
pub fn by_flow(records: &[Value]) -> HashMap<u64, Vec<&Value>> {
    let mut m: HashMap<u64, Vec<&Value>> = HashMap::new();
    for r in records {
        m.entry(u(r, &["flow", "id"])).or_default().push(r);
    }
    m
}

/// Every capture file in a test-data folder, sorted.
pub fn captures(folder: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data(folder))
        .expect("test data folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    v.sort();
    v
}

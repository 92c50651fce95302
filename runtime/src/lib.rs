//! flowsieve: packets in, one JSON record per flow event out.
//!
//! Layout (one folder per concept): `capture` reads packets, `decode` turns them into flow
//! keys and counts, `flow` keeps per-worker flow tables, `classify` decides protocols,
//! `record` writes the JSON, `export` owns the sinks, `pipeline` wires the threads.

pub mod capture;
pub mod classify;
pub mod config;
pub mod decode;
pub mod export;
pub mod flow;
pub mod inspect;
pub mod pipeline;
pub mod privileges;
pub mod record;
pub mod summary;
pub mod synth;

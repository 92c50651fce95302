//! # flowsieve-wasm: the sandboxed host for flowsieve's protocol rule packs
//!
//! Rule packs are WebAssembly components exporting the `classifier` world of
//! `wit/classifier.wit` and importing nothing. This crate loads them (the
//! built-ins embedded at build time, plus a watched directory), runs them
//! under a per-call deadline and memory cap, combines their verdicts like
//! libprotoident, and swaps in new pack sets while workers keep running.
//!
//! ```no_run
//! use flowsieve_wasm::{ClassifierRuntime, FlowView, RuntimeConfig, Side, Transport, Verdict};
//! let runtime = ClassifierRuntime::new(RuntimeConfig::default())?;
//! let mut worker = runtime.worker(); // one per worker thread
//! let mut view = FlowView::new(Transport::Tcp, 50123, 80);
//! view.client = Side { prefix: b"GET / HTTP/1.1\r\n", first_payload_len: 16, packets: 1, bytes: 16 };
//! if let Verdict::Matched(id) = worker.classify(&view) {
//!     println!("{}", runtime.protocol_name(id).unwrap_or_default());
//! }
//! # Ok::<(), flowsieve_wasm::RuntimeError>(())
//! ```
//!
//! The per-flow state machine that decides *when* to call `classify` is
//! [`decision`].

mod cache;
mod config;
mod contract;
pub mod decision;
mod engine;
mod error;
mod fault;
mod gate;
mod instance;
mod limits;
mod pack;
mod protocols;
mod reload;
mod runtime;
mod version;
mod worker;

pub use config::RuntimeConfig;
pub use contract::{FlowView, Side, Transport};
pub use decision::{DecisionPolicy, FlowDecision, FlowProgress, Next};
pub use error::{LoadError, RuntimeError};
pub use fault::FaultKind;
pub use pack::{PackSource, RuleInfo};
pub use protocols::{ProtocolId, ProtocolInfo};
pub use reload::{LoadFailure, RescanReport};
pub use runtime::{ClassifierRuntime, PackStats};
pub use worker::{Verdict, WorkerClassifier};

include!(concat!(env!("OUT_DIR"), "/builtin_packs.rs"));

/// Names of the built-in packs, in load order.
pub fn builtin_pack_names() -> impl Iterator<Item = &'static str> {
    BUILTIN_PACKS.iter().map(|(name, _)| *name)
}

/// Test guests built from `classifiers/testing` (hostile and helper packs),
/// for this crate's tests and the end-to-end tests. Not embedded.
#[doc(hidden)]
pub mod test_guests {
    use std::path::PathBuf;

    /// Path of the component built from `classifiers/testing/<name>`.
    pub fn path(name: &str) -> PathBuf {
        PathBuf::from(crate::TEST_GUESTS_DIR).join(format!("{name}.wasm"))
    }

    /// Path of the *core* module (before componentizing) the build made for
    /// the pack `classifiers/<name>` (built-in) or `classifiers/testing/<name>`
    /// (test guest): for testing `flowsieve classifiers componentize`.
    pub fn core_module_path(name: &str) -> PathBuf {
        let artifact = name.replace('-', "_");
        let release = PathBuf::from(crate::TEST_GUESTS_DIR)
            .join("../guest-target/wasm32-unknown-unknown/release");
        let builtin = release.join(format!("pack_{artifact}.wasm"));
        if builtin.is_file() {
            builtin
        } else {
            release.join(format!("test_{artifact}.wasm"))
        }
    }
}

// The pipeline shares the runtime across threads and moves each worker's
// classifier into its thread.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    const fn send<T: Send>() {}
    send_sync::<ClassifierRuntime>();
    send::<WorkerClassifier>();
};

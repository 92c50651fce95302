//! Errors of loading packs and starting the runtime.

use std::path::PathBuf;

/// Why a pack was refused. The previous pack set stays in force.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a valid WebAssembly component: {0}")]
    Compile(String),
    #[error("imports {import:?}: rule packs must import nothing (no WASI, no host functions); build for wasm32-unknown-unknown and componentize with wit-component{others}")]
    Imports { import: String, others: String },
    #[error("does not export `{0}` (is it built against wit/classifier.wit?)")]
    MissingExport(&'static str),
    #[error("`{export}` does not match wit/classifier.wit: {reason}")]
    WrongSignature {
        export: &'static str,
        reason: String,
    },
    #[error("cannot be instantiated: {0}")]
    Instantiate(String),
    #[error("`manifest()` failed: {0}")]
    ManifestCall(String),
    #[error("invalid manifest: {0}")]
    Manifest(String),
    #[error("faulted on its warm-up call ({kind}): {reason}")]
    WarmUp { kind: &'static str, reason: String },
    #[error("pack name {0:?} is already taken by another file in the directory")]
    DuplicateName(String),
    #[error(transparent)]
    Interner(#[from] crate::protocols::InternerFull),
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("creating the WebAssembly engine: {0}")]
    Engine(String),
    #[error("built-in pack {name:?} failed to load: {source}")]
    Builtin { name: String, source: LoadError },
    #[error("starting the {what} thread: {source}")]
    Thread {
        what: &'static str,
        source: std::io::Error,
    },
    #[error("watching {path}: {reason}")]
    Watch { path: PathBuf, reason: String },
}

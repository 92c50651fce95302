//! Subcommands of the `flowsieve` binary beyond `run`.

pub mod classifiers;
pub mod scaffold;

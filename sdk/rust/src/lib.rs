//! # flowsieve-sdk: protocol rules for flowsieve in a few lines of Rust
//!
//! A rule pack is a WebAssembly component exporting the `classifier` world of
//! `wit/classifier.wit` and importing nothing. This crate generates the guest
//! bindings (wit-bindgen) and hides them behind one trait and one macro:
//!
//! ```ignore
//! use flowsieve_sdk::prelude::*;
//!
//! const REDIS: u32 = 0;
//!
//! struct Pack;
//! impl Rule for Pack {
//!     fn manifest() -> Manifest {
//!         ManifestBuilder::new("redis", "0.1.0")
//!             .tcp(REDIS, "Redis", "Databases", 2)
//!             // Checked by the host: flows that fail every lead never reach the pack.
//!             .leads([client(b"*")])
//!             .build()
//!     }
//!     fn classify(flow: &FlowView) -> Outcome {
//!         if flow.client.prefix.starts_with(b"*") && flow.server.prefix.starts_with(b"+") {
//!             return Outcome::Matched(REDIS);
//!         }
//!         Outcome::NoMatch
//!     }
//! }
//! flowsieve_sdk::export_rule!(Pack);
//! ```
//!
//! Build it with `cargo build --release --target wasm32-unknown-unknown`
//! (crate-type `cdylib`, `panic = "abort"`), then turn the core module into a
//! component (flowsieve's build does this for the built-in packs with the
//! `wit-component` crate). `wasm32-unknown-unknown` matters: a `wasm32-wasip*`
//! build imports WASI and the host refuses it.
//!
//! Priorities follow libprotoident: lower wins when several packs match,
//! ties go to the pack loaded first. Its scale: 0–1 host verdicts
//! (No_Payload), 2–10 strong specific signatures (HTTP, SSH 2; DNS_TCP 6;
//! DNS 10), ~100 generic ones (SSL/TLS), 200+ weak or "mixed" guesses.

// Lets the generated bindings (and the exported macros) name this crate the
// same way from inside and from rule crates.
extern crate self as flowsieve_sdk;

pub mod dispatch;
pub mod leads;
pub mod manifest;
pub mod matchers;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
pub use wit_bindgen as __wit_bindgen;

/// Generated guest bindings for `wit/classifier.wit`.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "classifier",
        pub_export_macro: true,
        export_macro_name: "__export_classifier",
        default_bindings_module: "::flowsieve_sdk::bindings",
        runtime_path: "::flowsieve_sdk::__wit_bindgen::rt",
        additional_derives: [PartialEq, Eq, Clone],
    });
}

pub use bindings::{
    Direction, FlowView, Lead, Manifest, Outcome, Rule as RuleDef, Side, Transport,
};
pub use manifest::ManifestBuilder;

/// A rule pack. Implement it on a unit struct and export it with
/// [`export_rule!`].
pub trait Rule {
    /// Called once when the host loads the pack.
    fn manifest() -> Manifest;
    /// Called per flow (possibly several times while it answers
    /// [`Outcome::NeedMore`]). Keep it fast: the host enforces a deadline
    /// and a memory cap, and a pack that faults repeatedly is quarantined.
    fn classify(flow: &FlowView) -> Outcome;
}

/// Bridges a [`Rule`] to the generated export trait.
#[doc(hidden)]
pub struct __Export<R>(core::marker::PhantomData<R>);

impl<R: Rule> bindings::Guest for __Export<R> {
    fn manifest() -> Manifest {
        R::manifest()
    }
    fn classify(flow: FlowView) -> Outcome {
        R::classify(&flow)
    }
}

/// Exports a type implementing [`Rule`] as the component's `classifier`
/// world. Use it once per pack crate.
#[macro_export]
macro_rules! export_rule {
    ($ty:ty) => {
        type __FlowsieveRuleExport = $crate::__Export<$ty>;
        $crate::bindings::__export_classifier!(__FlowsieveRuleExport with_types_in $crate::bindings);
    };
}

/// Everything a rule file usually needs.
pub mod prelude {
    pub use crate::dispatch::{first_match, first_verdict, Check, Judge};
    pub use crate::leads::{client, either, server, LeadExt};
    pub use crate::manifest::ManifestBuilder;
    pub use crate::matchers::*;
    pub use crate::{FlowView, Lead, Manifest, Outcome, Rule, RuleDef, Side, Transport};
}

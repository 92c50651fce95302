//! What can go wrong inside a guest call, and the per-pack fault record that
//! drives quarantine.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use wasmtime::Trap;

/// Why a guest call produced no opinion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// The call ran past its epoch deadline.
    Timeout,
    /// The guest tried to grow memory past the cap.
    OutOfMemory,
    /// Wasm stack exhausted (runaway recursion).
    StackOverflow,
    /// Any other trap: `unreachable` (a Rust panic), out-of-bounds access…
    Trap,
    /// The guest answered a rule index its manifest does not have, or a rule
    /// of the other transport.
    BadVerdict,
    /// A fresh instance could not be created.
    Instantiate,
    /// Anything else the engine reported.
    Other,
}

impl FaultKind {
    pub const ALL: [FaultKind; 7] = [
        FaultKind::Timeout,
        FaultKind::OutOfMemory,
        FaultKind::StackOverflow,
        FaultKind::Trap,
        FaultKind::BadVerdict,
        FaultKind::Instantiate,
        FaultKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::Timeout => "timeout",
            FaultKind::OutOfMemory => "out_of_memory",
            FaultKind::StackOverflow => "stack_overflow",
            FaultKind::Trap => "trap",
            FaultKind::BadVerdict => "bad_verdict",
            FaultKind::Instantiate => "instantiate",
            FaultKind::Other => "other",
        }
    }

    /// Names the failure of a call from the engine's error. The limiter's flag
    /// is checked first: a refused `memory.grow` is not reported as a `Trap`.
    pub(crate) fn of_error(err: &wasmtime::Error, memory_denied: bool) -> Self {
        if memory_denied {
            return FaultKind::OutOfMemory;
        }
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => FaultKind::Timeout,
            Some(Trap::StackOverflow) => FaultKind::StackOverflow,
            Some(_) => FaultKind::Trap,
            None => FaultKind::Other,
        }
    }

    /// Whether the instance may be entered again afterwards. After a trap
    /// wasmtime refuses re-entry, and after an interrupted call the guest's
    /// own state (allocator, globals) may be half-updated: rebuild both.
    pub(crate) fn poisons_instance(self) -> bool {
        self != FaultKind::BadVerdict
    }
}

/// Shared across workers: faults are rare, so atomics cost nothing on the
/// hot path, where only `quarantined` is read.
#[derive(Default)]
pub(crate) struct FaultRecord {
    by_kind: [AtomicU64; FaultKind::ALL.len()],
    total: AtomicU64,
    quarantined: AtomicBool,
}

impl FaultRecord {
    /// Counts a fault; true if this one crossed the quarantine threshold.
    pub(crate) fn record(&self, kind: FaultKind, threshold: u32) -> bool {
        if let Some(slot) = FaultKind::ALL.iter().position(|k| *k == kind) {
            self.by_kind[slot].fetch_add(1, Ordering::Relaxed);
        }
        let total = self.total.fetch_add(1, Ordering::Relaxed) + 1;
        total >= u64::from(threshold) && !self.quarantined.swap(true, Ordering::Relaxed)
    }

    #[inline]
    pub(crate) fn is_quarantined(&self) -> bool {
        self.quarantined.load(Ordering::Relaxed)
    }

    pub(crate) fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub(crate) fn by_kind(&self) -> Vec<(FaultKind, u64)> {
        FaultKind::ALL
            .iter()
            .zip(&self.by_kind)
            .map(|(k, n)| (*k, n.load(Ordering::Relaxed)))
            .filter(|(_, n)| *n > 0)
            .collect()
    }
}

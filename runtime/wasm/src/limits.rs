//! Per-store resource limits. A thin `ResourceLimiter` of our own rather
//! than `StoreLimits`: it records *that* the memory cap was hit, because the
//! error a refused `memory.grow` produces is not a `Trap` and its text is no
//! contract (DESIGN.md). The flag is what tells an OOM from other faults.

use wasmtime::{format_err, ResourceLimiter, Result};

/// Data of every guest store.
pub(crate) struct HostState {
    pub(crate) limiter: Limiter,
}

pub(crate) struct Limiter {
    max_memory: usize,
    /// Set when the guest asked for more than `max_memory`; cleared per call.
    pub(crate) memory_denied: bool,
    /// Bytes of linear memory the store's memories hold (creation counts as growth from 0).
    pub(crate) memory_bytes: usize,
}

/// Table elements a guest may have (function-pointer tables of compiled
/// Rust/C are tiny; interpreters' are larger but far below this).
const MAX_TABLE_ELEMENTS: usize = 1 << 20;
/// A Rust or C pack has a handful of core instances; componentize-py's
/// components (CPython, its libraries and the WASI stubs, linked as separate
/// core modules) have about 40, each stub with its own (empty) memory.
const MAX_INSTANCES: usize = 128;
const MAX_TABLES: usize = 128;
const MAX_MEMORIES: usize = 64;

impl Limiter {
    pub(crate) fn new(max_memory: usize) -> Self {
        Self {
            max_memory,
            memory_denied: false,
            memory_bytes: 0,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        // The cap is on the instance's memories together, not on each one.
        let total = self
            .memory_bytes
            .saturating_add(desired.saturating_sub(current));
        if total > self.max_memory {
            self.memory_denied = true;
            // An error (not Ok(false)) traps the guest right at the growth,
            // instead of letting its allocator carry on with a null pointer.
            return Err(format_err!(
                "memory cap of {} bytes reached (guest asked for {desired})",
                self.max_memory
            ));
        }
        self.memory_bytes = total;
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

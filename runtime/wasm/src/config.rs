//! Settings of the classifier runtime (the `classifiers:` block of
//! flowsieve.yaml maps onto this).

use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Load the packs embedded in the binary. Off only in tests that want a
    /// pack set made of their own files.
    pub builtins: bool,
    /// Directory of `*.wasm` rule packs: each adds a pack, or replaces the
    /// built-in of the same manifest name.
    pub classifiers_dir: Option<PathBuf>,
    /// Watch `classifiers_dir` and reload on change (`rescan()` works either way).
    pub watch: bool,
    /// Where compiled packs are cached. `None`: compile at every start.
    /// Must be private to the daemon's user: a cached artifact is native code.
    pub cache_dir: Option<PathBuf>,
    /// Linear-memory cap per pack instance, bytes.
    pub memory_limit: usize,
    /// Wall-clock budget of one `classify` call.
    pub call_deadline: Duration,
    /// Epoch tick: the deadline's granularity. Shorter = tighter deadlines,
    /// more wake-ups of the ticker thread.
    pub epoch_tick: Duration,
    /// Wasm stack per call, bytes (deep recursion traps past it).
    pub max_wasm_stack: usize,
    /// Faults after which a pack is quarantined (no more calls) until its
    /// file changes.
    pub fault_threshold: u32,
    /// Calls after which a worker replaces its instance of a pack with a
    /// fresh one, so guest memory cannot creep. 0 = never.
    pub recycle_after_calls: u64,
    /// Wait after a directory change before rescanning, so a file being
    /// written is read once, whole.
    pub reload_debounce: Duration,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            builtins: true,
            classifiers_dir: None,
            watch: true,
            cache_dir: default_cache_dir(),
            memory_limit: 16 << 20,
            call_deadline: Duration::from_millis(10),
            epoch_tick: Duration::from_millis(1),
            max_wasm_stack: 512 << 10,
            fault_threshold: 16,
            recycle_after_calls: 100_000,
            reload_debounce: Duration::from_millis(200),
        }
    }
}

impl RuntimeConfig {
    /// Deadline in epoch ticks, rounded up, plus one: the first tick may
    /// come at once, so N ticks guarantee only N-1 full periods.
    pub(crate) fn deadline_ticks(&self) -> u64 {
        self.ticks_for(self.call_deadline)
    }

    /// Deadline of the calls made while loading a pack (instantiation, `manifest`, the
    /// warm-up call): off the packet path, where a busy machine must not make a good pack
    /// fail to load, so at least `LOAD_DEADLINE`; still finite, so a pack that loops at
    /// load is refused.
    pub(crate) fn load_deadline_ticks(&self) -> u64 {
        self.deadline_ticks().max(self.ticks_for(LOAD_DEADLINE))
    }

    fn ticks_for(&self, d: Duration) -> u64 {
        let tick = self.epoch_tick.as_nanos().max(1);
        let ticks = d.as_nanos().div_ceil(tick);
        u64::try_from(ticks)
            .unwrap_or(u64::MAX - 1)
            .saturating_add(1)
            .max(2)
    }
}

/// See [`RuntimeConfig::load_deadline_ticks`]. 1 s was too little: instantiating a Python
/// pack (CPython's ~40 core modules and 12 MB of initialised memory) took longer than that on
/// a 2-core machine under full load, and a good pack was refused with "interrupt".
const LOAD_DEADLINE: Duration = Duration::from_secs(5);

/// `$XDG_CACHE_HOME/flowsieve/classifiers`, else `~/.cache/flowsieve/classifiers`.
fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    Some(base.join("flowsieve").join("classifiers"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_rounds_up() {
        let mut c = RuntimeConfig {
            epoch_tick: Duration::from_millis(1),
            ..Default::default()
        };
        c.call_deadline = Duration::from_micros(10_500);
        assert_eq!(c.deadline_ticks(), 12);
        c.call_deadline = Duration::ZERO;
        assert_eq!(c.deadline_ticks(), 2);
    }
}

//! The shared `Engine` and the thread that advances its epoch (the clock
//! every call's deadline is measured against).

use crate::config::RuntimeConfig;
use crate::error::RuntimeError;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use wasmtime::{Config, Engine, OptLevel};

pub(crate) fn new_engine(cfg: &RuntimeConfig) -> Result<Engine, RuntimeError> {
    let mut config = Config::new();
    // Epochs over fuel: a check per loop header/function entry is a load and
    // compare, cheaper than fuel's counting on the short calls rules make.
    config.epoch_interruption(true);
    config.max_wasm_stack(cfg.max_wasm_stack);
    config.cranelift_opt_level(OptLevel::Speed);
    Engine::new(&config).map_err(|e| RuntimeError::Engine(format!("{e:#}")))
}

/// Ticks the engine's epoch until dropped.
pub(crate) struct EpochTicker {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine, tick: std::time::Duration) -> Result<Self, RuntimeError> {
        let stop = Arc::new(AtomicBool::new(false));
        let weak = engine.weak();
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("flowsieve-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(tick);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|source| RuntimeError::Thread {
                what: "epoch ticker",
                source,
            })?;
        Ok(Self {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            let _ = handle.join();
        }
    }
}

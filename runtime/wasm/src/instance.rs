//! One instance of one pack in its own `Store`: the unit a worker calls.
//!
//! A store per instance, because a trapped instance cannot be entered again
//! and instantiating repeatedly into one store grows it (~18 KiB each) until
//! the store is dropped: rebuilding = dropping the whole store.

use crate::contract::{ClassifyParams, ClassifyResults, FlowView, Manifest, Outcome};
use crate::fault::FaultKind;
use crate::limits::{HostState, Limiter};
use wasmtime::component::{ComponentExportIndex, Func, Instance, InstancePre, TypedFunc};
use wasmtime::{Engine, Store};

pub(crate) struct LiveInstance {
    store: Store<HostState>,
    instance: Instance,
    classify: Func,
    /// Calls made on this instance (for periodic recycling).
    pub(crate) calls: u64,
}

pub(crate) enum CallError {
    /// The export's type is not the contract's.
    Signature(String),
    /// The call itself failed.
    Fault(FaultKind, wasmtime::Error),
}

impl LiveInstance {
    pub(crate) fn new(
        engine: &Engine,
        pre: &InstancePre<HostState>,
        classify_index: &ComponentExportIndex,
        memory_limit: usize,
        deadline_ticks: u64,
    ) -> wasmtime::Result<Self> {
        let mut store = Store::new(
            engine,
            HostState {
                limiter: Limiter::new(memory_limit),
            },
        );
        store.limiter(|state| &mut state.limiter);
        store.epoch_deadline_trap();
        // Instantiation may run guest start code: give it a deadline too.
        store.set_epoch_deadline(deadline_ticks);
        let instance = pre.instantiate(&mut store)?;
        let classify = instance
            .get_func(&mut store, classify_index)
            .ok_or_else(|| wasmtime::format_err!("export `classify` is not a function"))?;
        Ok(Self {
            store,
            instance,
            classify,
            calls: 0,
        })
    }

    /// Bytes of linear memory this instance's store holds.
    pub(crate) fn memory_bytes(&self) -> usize {
        self.store.data().limiter.memory_bytes
    }

    pub(crate) fn check_classify_signature(&self) -> Result<(), String> {
        self.classify
            .typed::<ClassifyParams<'static>, ClassifyResults>(&self.store)
            .map(|_| ())
            .map_err(|e| format!("{e:#}"))
    }

    pub(crate) fn call_manifest(
        &mut self,
        index: &ComponentExportIndex,
        deadline_ticks: u64,
    ) -> Result<Manifest, CallError> {
        let instance_func = self.instance_func(index).map_err(CallError::Signature)?;
        let typed = instance_func
            .typed::<(), (Manifest,)>(&self.store)
            .map_err(|e| CallError::Signature(format!("{e:#}")))?;
        self.arm(deadline_ticks);
        match typed.call(&mut self.store, ()) {
            Ok((manifest,)) => Ok(manifest),
            Err(err) => Err(CallError::Fault(
                FaultKind::of_error(&err, self.store.data().limiter.memory_denied),
                err,
            )),
        }
    }

    fn instance_func(&mut self, index: &ComponentExportIndex) -> Result<Func, String> {
        self.instance
            .get_func(&mut self.store, index)
            .ok_or_else(|| "the export is not a function".to_owned())
    }

    /// Resets the per-call state: deadline and the OOM flag.
    #[inline]
    fn arm(&mut self, deadline_ticks: u64) {
        self.store.data_mut().limiter.memory_denied = false;
        self.store.set_epoch_deadline(deadline_ticks);
    }

    /// One `classify` call. No allocation on the host side: the view's
    /// slices are lowered straight into guest memory.
    #[inline]
    pub(crate) fn call_classify(
        &mut self,
        view: &FlowView<'_>,
        deadline_ticks: u64,
    ) -> Result<Outcome, (FaultKind, wasmtime::Error)> {
        // SAFETY: the function's type was checked against exactly these
        // parameter/result types when the pack loaded
        // (`check_classify_signature`); lifetimes do not change the ABI.
        let typed = unsafe {
            TypedFunc::<ClassifyParams<'_>, ClassifyResults>::new_unchecked(self.classify)
        };
        self.arm(deadline_ticks);
        self.calls += 1;
        match typed.call(&mut self.store, (*view,)) {
            Ok((outcome,)) => Ok(outcome),
            Err(err) => Err((
                FaultKind::of_error(&err, self.store.data().limiter.memory_denied),
                err,
            )),
        }
    }
}

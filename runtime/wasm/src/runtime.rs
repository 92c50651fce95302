//! `ClassifierRuntime`: the engine, the protocol names, the current pack
//! set, and the handles the pipeline uses (workers, names, stats, reload).

use crate::cache::CompileCache;
use crate::config::RuntimeConfig;
use crate::engine::{new_engine, EpochTicker};
use crate::error::{LoadError, RuntimeError};
use crate::fault::FaultKind;
use crate::pack::{LoadContext, Pack, PackSource, RuleInfo};
use crate::protocols::{ProtocolId, ProtocolInfo, ProtocolTable};
use crate::reload::{self, LoadFailure, ReloadState, RescanReport, Watch};
use crate::worker::WorkerClassifier;
use arc_swap::ArcSwap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use wasmtime::Engine;

/// One generation of the pack set, in load order (built-ins first, a
/// replaced built-in keeps its place, then directory packs by file name).
pub(crate) struct PackSet {
    pub(crate) generation: u64,
    pub(crate) packs: Vec<Arc<Pack>>,
}

/// State shared by the runtime handle, its workers and its reload thread.
pub(crate) struct Shared {
    pub(crate) engine: Engine,
    pub(crate) config: RuntimeConfig,
    pub(crate) deadline_ticks: u64,
    pub(crate) cache: CompileCache,
    pub(crate) protocols: ProtocolTable,
    pub(crate) current: ArcSwap<PackSet>,
    pub(crate) reload: Mutex<ReloadState>,
    // Last field: dropped after everything that may still call a guest.
    _ticker: EpochTicker,
}

impl Shared {
    pub(crate) fn load_context(&self) -> LoadContext<'_> {
        LoadContext {
            engine: &self.engine,
            cache: &self.cache,
            protocols: &self.protocols,
            config: &self.config,
        }
    }

    /// Counts and logs a fault; quarantines the pack past the threshold.
    pub(crate) fn report_fault(&self, pack: &Pack, kind: FaultKind, err: &wasmtime::Error) {
        let quarantined_now = pack.faults.record(kind, self.config.fault_threshold);
        // One line per fault; the wasm backtrace only at debug level.
        tracing::warn!(
            pack = %pack.name,
            source = %pack.source,
            fault = kind.as_str(),
            error = %err.root_cause(),
            "classifier call failed; flow continues without this pack's opinion"
        );
        tracing::debug!(pack = %pack.name, detail = %format!("{err:?}"), "classifier fault detail");
        if quarantined_now {
            tracing::error!(
                pack = %pack.name,
                source = %pack.source,
                faults = pack.faults.total(),
                "classifier pack quarantined: no more calls until its file changes"
            );
        }
    }
}

/// What the runtime knows about one loaded pack (for `classifiers list`
/// and the end-of-run summary).
#[derive(Clone, Debug)]
pub struct PackStats {
    pub name: String,
    pub version: String,
    pub source: PackSource,
    /// (protocol, category) per rule, manifest order.
    pub rules: Vec<(String, String)>,
    /// Every rule as the manifest declares it (transport, priority, port
    /// hints too), manifest order.
    pub manifest_rules: Vec<RuleInfo>,
    pub faults: u64,
    pub faults_by_kind: Vec<(FaultKind, u64)>,
    pub quarantined: bool,
    /// The compiled code came from the on-disk cache.
    pub from_cache: bool,
    /// SHA-256 of the component file.
    pub content_hash: String,
}

impl PackStats {
    fn of(pack: &Pack) -> Self {
        Self {
            name: pack.name.clone(),
            version: pack.version.clone(),
            source: pack.source.clone(),
            rules: pack
                .manifest_rules
                .iter()
                .map(|r| (r.protocol.clone(), r.category.clone()))
                .collect(),
            manifest_rules: pack.manifest_rules.clone(),
            faults: pack.faults.total(),
            faults_by_kind: pack.faults.by_kind(),
            quarantined: pack.faults.is_quarantined(),
            from_cache: pack.from_cache,
            content_hash: pack.content_hash.clone(),
        }
    }
}

/// The WASM classifier host. Create one per process, share the `Arc`, give
/// each worker thread its own [`WorkerClassifier`].
pub struct ClassifierRuntime {
    shared: Arc<Shared>,
    /// Directory watcher and reload thread; stopped when the runtime drops.
    watch: Mutex<Option<Watch>>,
}

impl ClassifierRuntime {
    /// Loads the built-in packs (a failure is fatal: it is a build defect)
    /// and the classifiers directory (a failing file is reported and
    /// skipped), then starts watching the directory if configured.
    pub fn new(config: RuntimeConfig) -> Result<Arc<Self>, RuntimeError> {
        let engine = new_engine(&config)?;
        let ticker = EpochTicker::start(&engine, config.epoch_tick)?;
        let cache = CompileCache::new(&engine, config.cache_dir.clone());
        let shared = Arc::new(Shared {
            deadline_ticks: config.deadline_ticks(),
            engine,
            cache,
            protocols: ProtocolTable::new(),
            current: ArcSwap::from_pointee(PackSet {
                generation: 0,
                packs: Vec::new(),
            }),
            reload: Mutex::new(ReloadState::default()),
            config,
            _ticker: ticker,
        });
        if shared.config.builtins {
            let mut builtins = Vec::new();
            for (name, bytes) in crate::BUILTIN_PACKS {
                let started = std::time::Instant::now();
                let pack = Pack::load(&shared.load_context(), bytes, PackSource::Builtin).map_err(
                    |source| RuntimeError::Builtin {
                        name: (*name).to_owned(),
                        source,
                    },
                )?;
                tracing::info!(pack = %pack.name, version = %pack.version, cached = pack.from_cache, ms = started.elapsed().as_millis() as u64, "built-in classifier pack loaded");
                builtins.push(Arc::new(pack));
            }
            shared
                .reload
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .builtins = builtins;
        }
        reload::rescan(&shared);
        let watch = match (&shared.config.classifiers_dir, shared.config.watch) {
            (Some(dir), true) => Some(Watch::start(&shared, dir)?),
            _ => None,
        };
        Ok(Arc::new(Self {
            shared,
            watch: Mutex::new(watch),
        }))
    }

    /// A classifier for one worker thread.
    pub fn worker(&self) -> WorkerClassifier {
        WorkerClassifier::new(self.shared.clone())
    }

    /// Rescans the classifiers directory now and returns what happened
    /// (SIGHUP). Compiles in the calling thread: call it off the packet path.
    pub fn rescan(&self) -> RescanReport {
        reload::rescan(&self.shared)
    }

    /// Asks the reload thread to rescan soon; returns at once. Does nothing
    /// if the directory is not watched (use [`Self::rescan`]).
    pub fn request_rescan(&self) {
        if let Some(watch) = self
            .watch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            watch.poke();
        }
    }

    /// The current pack-set generation (bumped by every effective reload).
    pub fn generation(&self) -> u64 {
        self.shared.current.load().generation
    }

    /// Name and category of an interned protocol.
    pub fn protocol(&self, id: ProtocolId) -> Option<ProtocolInfo> {
        self.shared.protocols.get(id)
    }

    pub fn protocol_name(&self, id: ProtocolId) -> Option<Arc<str>> {
        self.protocol(id).map(|p| p.name)
    }

    pub fn category(&self, id: ProtocolId) -> Option<Arc<str>> {
        self.protocol(id).map(|p| p.category)
    }

    /// The id of a protocol name some pack declared (first registered).
    pub fn protocol_id(&self, name: &str) -> Option<ProtocolId> {
        self.shared.protocols.find(name)
    }

    /// The packs of the current generation, in load order.
    pub fn packs(&self) -> Vec<PackStats> {
        self.shared
            .current
            .load()
            .packs
            .iter()
            .map(|p| PackStats::of(p))
            .collect()
    }

    /// Files of the classifiers directory refused by the last rescan.
    pub fn load_failures(&self) -> Vec<LoadFailure> {
        self.shared
            .reload
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .failures
            .clone()
    }

    /// Loads a component the way the daemon would, without adding it to the
    /// pack set (`flowsieve classifiers check FILE.wasm`).
    pub fn check_file(&self, path: &Path) -> Result<PackStats, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let pack = Pack::load(
            &self.shared.load_context(),
            &bytes,
            PackSource::File(PathBuf::from(path)),
        )?;
        Ok(PackStats::of(&pack))
    }

    pub fn config(&self) -> &RuntimeConfig {
        &self.shared.config
    }
}

impl Drop for ClassifierRuntime {
    fn drop(&mut self) {
        // Stop the watcher and join the reload thread before the rest goes.
        if let Some(watch) = self
            .watch
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            watch.stop();
        }
    }
}

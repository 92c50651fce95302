//! Hot reload: rescanning the classifiers directory, building the next pack
//! set off the packet path, and swapping it in atomically.
//!
//! Semantics:
//! - every `*.wasm` file (not hidden) of the directory is a pack; unchanged
//!   files (same content hash) keep their loaded pack, quarantine included;
//! - a file whose manifest name equals a built-in's replaces that built-in,
//!   in its place; others follow the built-ins in file-name order; a second
//!   file claiming a taken name is refused;
//! - a file that fails to load is reported, and whatever that file provided
//!   before (if anything) stays in force;
//! - a removed file's pack goes away (a replaced built-in comes back);
//! - a new generation is published only if the set actually changed.

use crate::cache::content_hash;
use crate::error::{LoadError, RuntimeError};
use crate::pack::{Pack, PackSource};
use crate::runtime::{PackSet, Shared};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, PoisonError};
use std::thread::JoinHandle;

/// A file the last rescan refused, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadFailure {
    pub path: PathBuf,
    pub reason: String,
}

/// Outcome of one rescan.
#[derive(Clone, Debug)]
pub struct RescanReport {
    /// Generation in force after the rescan.
    pub generation: u64,
    /// Whether this rescan published a new generation.
    pub changed: bool,
    /// Packs (name) loaded from new or changed files.
    pub loaded: Vec<String>,
    pub failures: Vec<LoadFailure>,
}

struct FileEntry {
    hash: String,
    /// The pack this file currently provides: the newest version that loaded.
    pack: Option<Arc<Pack>>,
    /// Why the current content was refused, if it was.
    error: Option<String>,
}

#[derive(Default)]
pub(crate) struct ReloadState {
    pub(crate) builtins: Vec<Arc<Pack>>,
    files: BTreeMap<PathBuf, FileEntry>,
    pub(crate) failures: Vec<LoadFailure>,
}

fn pack_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with('.'))
        })
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

/// Rescans the directory and publishes a new generation if anything changed.
/// Serialised by the reload mutex; never touches the workers.
pub(crate) fn rescan(shared: &Shared) -> RescanReport {
    let mut state = shared.reload.lock().unwrap_or_else(PoisonError::into_inner);
    let mut loaded = Vec::new();
    let mut failures = Vec::new();

    let files = match &shared.config.classifiers_dir {
        None => Vec::new(),
        Some(dir) => pack_files(dir).unwrap_or_else(|e| {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot list the classifiers directory");
            Vec::new()
        }),
    };
    let mut next_files = BTreeMap::new();
    for path in files {
        let previous = state.files.remove(&path);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(source) => {
                let reason = LoadError::Read {
                    path: path.clone(),
                    source,
                }
                .to_string();
                failures.push(LoadFailure {
                    path: path.clone(),
                    reason,
                });
                if let Some(prev) = previous {
                    next_files.insert(path, prev);
                }
                continue;
            }
        };
        let hash = content_hash(&bytes);
        let (unchanged, previous) = match previous {
            Some(prev) if prev.hash == hash => (Some(prev), None),
            other => (None, other),
        };
        if let Some(prev) = unchanged {
            if let Some(reason) = &prev.error {
                failures.push(LoadFailure {
                    path: path.clone(),
                    reason: reason.clone(),
                });
            }
            next_files.insert(path, prev);
            continue;
        }
        let started = std::time::Instant::now();
        let entry = match Pack::load(
            &shared.load_context(),
            &bytes,
            PackSource::File(path.clone()),
        ) {
            Ok(pack) => {
                tracing::info!(pack = %pack.name, version = %pack.version, path = %path.display(), cached = pack.from_cache, ms = started.elapsed().as_millis() as u64, "classifier pack loaded");
                loaded.push(pack.name.clone());
                FileEntry {
                    hash,
                    pack: Some(Arc::new(pack)),
                    error: None,
                }
            }
            Err(e) => {
                let reason = e.to_string();
                tracing::error!(path = %path.display(), reason = %reason, "classifier pack refused; the previous set stays");
                failures.push(LoadFailure {
                    path: path.clone(),
                    reason: reason.clone(),
                });
                // Keep what this file provided before, if anything. (Its entry was
                // taken out of `state.files` above: look at that, not the map.)
                let pack = previous.and_then(|p| p.pack);
                FileEntry {
                    hash,
                    pack,
                    error: Some(reason),
                }
            }
        };
        next_files.insert(path, entry);
    }
    state.files = next_files;

    let packs = compose(&state, &mut failures);
    let current = shared.current.load_full();
    let changed = packs.len() != current.packs.len()
        || packs
            .iter()
            .zip(&current.packs)
            .any(|(a, b)| !Arc::ptr_eq(a, b));
    let generation = if changed {
        let generation = current.generation + 1;
        shared
            .current
            .store(Arc::new(PackSet { generation, packs }));
        tracing::info!(generation, "classifier pack set swapped in");
        generation
    } else {
        current.generation
    };
    state.failures = failures.clone();
    RescanReport {
        generation,
        changed,
        loaded,
        failures,
    }
}

/// Built-ins in order (each possibly replaced by a file of the same name),
/// then the other files' packs in file-name order.
fn compose(state: &ReloadState, failures: &mut Vec<LoadFailure>) -> Vec<Arc<Pack>> {
    let mut packs: Vec<Arc<Pack>> = state.builtins.clone();
    let mut replaced = vec![false; packs.len()];
    for (path, entry) in &state.files {
        let Some(pack) = &entry.pack else { continue };
        match state.builtins.iter().position(|b| b.name == pack.name) {
            Some(i) if !replaced[i] => {
                replaced[i] = true;
                packs[i] = pack.clone();
                continue;
            }
            None if !packs.iter().any(|p| p.name == pack.name) => {
                packs.push(pack.clone());
                continue;
            }
            _ => {}
        }
        let reason = LoadError::DuplicateName(pack.name.clone()).to_string();
        tracing::error!(path = %path.display(), reason = %reason, "classifier pack refused");
        failures.push(LoadFailure {
            path: path.clone(),
            reason,
        });
    }
    packs
}

/// The directory watcher and the thread that turns its events into rescans.
pub(crate) struct Watch {
    _watcher: notify::RecommendedWatcher,
    poke: Sender<()>,
    thread: Option<JoinHandle<()>>,
}

impl Watch {
    pub(crate) fn start(shared: &Arc<Shared>, dir: &Path) -> Result<Self, RuntimeError> {
        use notify::Watcher as _;
        let (tx, rx) = mpsc::channel::<()>();
        let events = tx.clone();
        let mut watcher =
            notify::recommended_watcher(move |event: notify::Result<notify::Event>| match event {
                Ok(e) if !matches!(e.kind, notify::EventKind::Access(_)) => {
                    let _ = events.send(());
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "classifiers directory watch error"),
            })
            .map_err(|e| RuntimeError::Watch {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?;
        watcher
            .watch(dir, notify::RecursiveMode::NonRecursive)
            .map_err(|e| RuntimeError::Watch {
                path: dir.to_path_buf(),
                reason: e.to_string(),
            })?;

        let shared = shared.clone();
        let debounce = shared.config.reload_debounce;
        let thread = std::thread::Builder::new()
            .name("flowsieve-reload".into())
            .spawn(move || {
                lower_priority();
                // Ends when the runtime drops its sender and the watcher.
                while rx.recv().is_ok() {
                    // Let a burst of events (a file being written) settle.
                    loop {
                        match rx.recv_timeout(debounce) {
                            Ok(()) => continue,
                            Err(RecvTimeoutError::Timeout) => break,
                            Err(RecvTimeoutError::Disconnected) => return,
                        }
                    }
                    rescan(&shared);
                }
            })
            .map_err(|source| RuntimeError::Thread {
                what: "classifier reload",
                source,
            })?;
        Ok(Self {
            _watcher: watcher,
            poke: tx,
            thread: Some(thread),
        })
    }

    pub(crate) fn poke(&self) {
        let _ = self.poke.send(());
    }

    pub(crate) fn stop(mut self) {
        let thread = self.thread.take();
        drop(self); // drops the watcher (and its sender) and ours
        if let Some(thread) = thread {
            let _ = thread.join();
        }
    }
}

/// Compiling a large pack (seconds for an interpreter-based one) must not
/// compete with the packet path on a small box: run the reload thread at the
/// lowest CPU priority. On Linux a nice value is per thread.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain syscall on the calling thread; no memory involved.
        let rc = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
        if rc != 0 {
            tracing::debug!("could not lower the reload thread's priority");
        }
    }
}

//! Compiling components, with an on-disk cache of the native artifacts keyed
//! by the component's content hash and the engine's compatibility hash
//! (wasmtime version + every setting that affects code generation), so a
//! restart or an unchanged file skips the 20–30 ms (or seconds, for large
//! interpreter guests) of compilation.

use crate::error::LoadError;
use sha2::{Digest, Sha256};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use wasmtime::component::Component;
use wasmtime::Engine;

pub(crate) struct CompileCache {
    dir: Option<PathBuf>,
    /// Hex of the engine's compatibility hash.
    engine_key: String,
}

/// Feeds `Hash` output into SHA-256 (std's hashers are not stable across
/// Rust releases, so they cannot name files that outlive the process).
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        0 // unused: the digest is read with `finalize`
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

pub(crate) fn content_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl CompileCache {
    pub(crate) fn new(engine: &Engine, dir: Option<PathBuf>) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        engine.precompile_compatibility_hash().hash(&mut hasher);
        let engine_key = hex(&hasher.0.finalize()[..12]);
        let dir = dir.and_then(|d| match create_private_dir(&d) {
            Ok(()) => Some(d),
            Err(e) => {
                tracing::warn!(dir = %d.display(), error = %e, "classifier cache disabled: cannot create its directory");
                None
            }
        });
        Self { dir, engine_key }
    }

    /// Returns the compiled component and whether it came from the cache.
    pub(crate) fn load_or_compile(
        &self,
        engine: &Engine,
        bytes: &[u8],
        hash: &str,
    ) -> Result<(Component, bool), LoadError> {
        let Some(dir) = &self.dir else {
            return compile(engine, bytes).map(|c| (c, false));
        };
        let path = dir.join(format!("{hash}-{}.cwasm", self.engine_key));
        if path.is_file() {
            // SAFETY: the file is named by the hash of the component it was
            // compiled from and the exact engine that wrote it, in a directory
            // only this user can write (see `create_private_dir`); wasmtime
            // also checks the engine compatibility header itself.
            match unsafe { Component::deserialize_file(engine, &path) } {
                Ok(component) => return Ok((component, true)),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "discarding unreadable cache entry")
                }
            }
        }
        let native = engine
            .precompile_component(bytes)
            .map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        if let Err(e) = write_atomically(&path, &native) {
            tracing::warn!(path = %path.display(), error = %e, "could not write classifier cache entry");
        }
        // SAFETY: `native` was produced just now by this engine.
        let component = unsafe { Component::deserialize(engine, &native) }
            .map_err(|e| LoadError::Compile(format!("{e:#}")))?;
        Ok((component, false))
    }
}

fn compile(engine: &Engine, bytes: &[u8]) -> Result<Component, LoadError> {
    Component::new(engine, bytes).map_err(|e| LoadError::Compile(format!("{e:#}")))
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Write to a temporary name, then rename: a concurrent reader (another
/// daemon) never sees half an artifact.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, path)
}

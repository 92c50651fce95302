//! Builds flowsieve's rule packs (`/classifiers`) as import-free WebAssembly
//! components, as part of the normal build:
//!
//! 1. one nested `cargo build --release --target wasm32-unknown-unknown` of
//!    the classifiers workspace, with its OWN target directory (sharing the
//!    outer one waits on cargo's build lock forever under
//!    `cargo test --release`) and without the outer build's flags (RUSTFLAGS
//!    or coverage instrumentation meant for the host would break or bloat
//!    the guests);
//! 2. each core module is turned into a component with `wit-component`
//!    (wasm32-unknown-unknown + this step = zero imports, unlike wasip2);
//! 3. built-in packs (`classifiers/<dir>`) are embedded with `include_bytes!`
//!    from OUT_DIR; test guests (`classifiers/testing/<dir>`) are only written
//!    to OUT_DIR for the tests to load as files.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{exit, Command};

const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Variables of the outer build that must not reach the guests' build.
const STRIPPED_VARS: &[&str] = &[
    "RUSTFLAGS",
    "RUSTDOCFLAGS",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER", // clippy-driver under `cargo clippy`
    "LLVM_PROFILE_FILE",
    "CARGO_LLVM_COV",
    "CARGO_LLVM_COV_SHOW_ENV",
    "CARGO_LLVM_COV_TARGET_DIR",
    "CARGO_INCREMENTAL",
];

/// `CARGO_*` variables the nested build may keep (registry access).
const KEPT_CARGO_PREFIXES: &[&str] = &[
    "CARGO_HOME",
    "CARGO_NET_",
    "CARGO_HTTP_",
    "CARGO_REGISTRIES_",
    "CARGO_REGISTRY_",
];

struct PackCrate {
    /// Directory name = pack file stem.
    name: String,
    /// Artifact name cargo gives the cdylib.
    artifact: String,
    builtin: bool,
}

fn main() {
    if let Err(msg) = run() {
        eprintln!("error: {msg}");
        exit(1);
    }
}

fn run() -> Result<(), String> {
    let manifest_dir = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
    let root = manifest_dir.join("../..");
    let classifiers = root.join("classifiers");
    let out_dir = PathBuf::from(var("OUT_DIR")?);

    let packs = discover(&classifiers)?;
    emit_rerun(&root, &classifiers, &packs);
    check_wasm_target()?;

    let guest_target = out_dir.join("guest-target");
    build_guests(&classifiers, &guest_target)?;

    let release = guest_target.join(WASM_TARGET).join("release");
    let packs_out = out_dir.join("packs");
    let tests_out = out_dir.join("test-guests");
    for dir in [&packs_out, &tests_out] {
        fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let mut generated = String::from(
        "/// Built-in rule packs (name, component bytes), in load order.\n\
         pub(crate) static BUILTIN_PACKS: &[(&str, &[u8])] = &[\n",
    );
    for pack in &packs {
        let core_path = release.join(format!("{}.wasm", pack.artifact));
        let core = fs::read(&core_path)
            .map_err(|e| format!("reading guest module {}: {e}", core_path.display()))?;
        let component = wit_component::ComponentEncoder::default()
            .validate(true)
            .module(&core)
            .and_then(|enc| enc.encode())
            .map_err(|e| format!("turning {} into a component: {e:#}", core_path.display()))?;
        let dest =
            if pack.builtin { &packs_out } else { &tests_out }.join(format!("{}.wasm", pack.name));
        fs::write(&dest, &component).map_err(|e| format!("writing {}: {e}", dest.display()))?;
        if pack.builtin {
            let _ = writeln!(
                generated,
                "    ({:?}, include_bytes!({:?})),",
                pack.name,
                dest.display().to_string()
            );
        }
    }
    generated.push_str("];\n\n/// Where the build put the hostile/test guests (for tests only).\n");
    let _ = writeln!(
        generated,
        "pub const TEST_GUESTS_DIR: &str = {:?};",
        tests_out.display().to_string()
    );
    let gen_path = out_dir.join("builtin_packs.rs");
    fs::write(&gen_path, generated).map_err(|e| format!("writing {}: {e}", gen_path.display()))?;
    Ok(())
}

fn var(name: &str) -> Result<String, String> {
    env::var(name).map_err(|_| format!("cargo did not set {name}"))
}

/// Built-ins are `classifiers/<dir>` with crate `pack-<dir>`; test guests are
/// `classifiers/testing/<dir>` with crate `test-<dir>`.
fn discover(classifiers: &Path) -> Result<Vec<PackCrate>, String> {
    let mut packs = Vec::new();
    for (dir, builtin, prefix) in [
        (classifiers.to_path_buf(), true, "pack_"),
        (classifiers.join("testing"), false, "test_"),
    ] {
        let entries = fs::read_dir(&dir).map_err(|e| format!("listing {}: {e}", dir.display()))?;
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .collect();
        names.sort();
        for name in names {
            let artifact = format!("{prefix}{}", name.replace('-', "_"));
            packs.push(PackCrate {
                name,
                artifact,
                builtin,
            });
        }
    }
    if !packs.iter().any(|p| p.builtin) {
        return Err(format!(
            "no built-in rule pack found under {}",
            classifiers.display()
        ));
    }
    Ok(packs)
}

fn emit_rerun(root: &Path, classifiers: &Path, packs: &[PackCrate]) {
    let mut paths = vec![
        root.join("wit"),
        root.join("sdk/rust/src"),
        root.join("sdk/rust/Cargo.toml"),
        classifiers.join("Cargo.toml"),
        classifiers.join("Cargo.lock"),
        classifiers.join("testing"),
    ];
    for pack in packs {
        let dir = if pack.builtin {
            classifiers.join(&pack.name)
        } else {
            classifiers.join("testing").join(&pack.name)
        };
        // The whole pack directory (src, Cargo.toml, wit/ when it has one): naming a path
        // that does not exist, such as a `wit/` most packs lack, makes cargo see this script
        // as stale on every build, which recompiled flowsieve-wasm and everything above it
        // each time (every `cargo fuzz run` after `cargo fuzz build`, every test run).
        paths.push(dir);
    }
    // Not the whole classifiers dir: a `classifiers/target` left by a manual
    // build would make every build rerun this script. A new built-in pack is
    // noticed through classifiers/Cargo.toml, which must list it.
    for path in paths {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

/// A missing target shows up as a cryptic "can't find crate for `core`" deep
/// in the nested build; say what to do instead.
fn check_wasm_target() -> Result<(), String> {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", WASM_TARGET])
        .output()
        .map_err(|e| format!("running {rustc}: {e}"))?;
    let libdir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let has_core = fs::read_dir(&libdir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
        })
        .unwrap_or(false);
    if out.status.success() && has_core {
        Ok(())
    } else {
        Err(format!(
            "the {WASM_TARGET} Rust target is not installed, so the built-in rule packs cannot be built. \
             Run scripts/setup.sh (or `rustup target add {WASM_TARGET}`)."
        ))
    }
}

fn build_guests(classifiers: &Path, target_dir: &Path) -> Result<(), String> {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(classifiers)
        .args([
            "build",
            "--release",
            "--workspace",
            "--target",
            WASM_TARGET,
            "--target-dir",
        ])
        .arg(target_dir)
        .arg("--manifest-path")
        .arg(classifiers.join("Cargo.toml"));
    for (key, _) in env::vars_os() {
        let Some(key) = key.to_str() else { continue };
        let cargo_var =
            key.starts_with("CARGO_") && !KEPT_CARGO_PREFIXES.iter().any(|p| key.starts_with(p));
        if cargo_var || STRIPPED_VARS.contains(&key) {
            cmd.env_remove(key);
        }
    }
    let out = cmd.output().map_err(|e| format!("running {cargo}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "building the rule packs in {} for {WASM_TARGET} failed:\n{}",
        classifiers.display(),
        String::from_utf8_lossy(&out.stderr)
    ))
}

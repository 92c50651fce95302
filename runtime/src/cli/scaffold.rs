//! `flowsieve classifiers new NAME --lang rust|c|python|js`: a buildable rule-pack project.
//!
//! Every project holds the template rule of its language's kit (an MQTT rule: `sdk/<kit>/template`),
//! the pack renamed to NAME, a `build.sh` that produces `rule.wasm`, a `test.sh` that tries the
//! pack on a capture (`flowsieve run -r CAPTURE --classifiers-dir ...`), and a README. The kits'
//! files are embedded in the binary, so the command works wherever flowsieve is installed; only
//! the Rust project points back at the SDK crate, by path (see [`rust_sdk_dir`]).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

/// The languages a project can be scaffolded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Lang {
    Rust,
    C,
    Python,
    #[value(alias = "javascript")]
    Js,
}

impl Lang {
    fn as_str(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::C => "c",
            Lang::Python => "python",
            Lang::Js => "js",
        }
    }

    /// The pack name the kit's template carries, replaced by the project's.
    fn template_pack_name(self) -> &'static str {
        match self {
            Lang::Rust => "mqtt-rust",
            Lang::C => "mqtt-c",
            Lang::Python => "mqtt-python",
            Lang::Js => "mqtt-js",
        }
    }
}

#[derive(clap::Args)]
pub struct NewArgs {
    /// Name of the rule pack (its manifest name, and the project's): lower-case letters, digits,
    /// `-` and `_`, starting with a letter.
    #[arg(value_name = "NAME")]
    name: String,
    /// Language of the rule.
    #[arg(long, value_enum)]
    lang: Lang,
    /// Project directory to create (default: ./NAME). Must not exist, or be empty.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Rust only: flowsieve's `sdk/rust` (the `flowsieve-sdk` crate) the project depends on by
    /// path. Default: the `sdk/rust` of the checkout this flowsieve was built from.
    #[arg(long, value_name = "DIR")]
    sdk: Option<PathBuf>,
}

/// A file of a project: where, what, and whether it is a script.
#[derive(Clone, Copy)]
struct Entry {
    path: &'static str,
    bytes: &'static [u8],
    executable: bool,
}

macro_rules! repo_file {
    ($path:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../", $path))
    };
}

const fn file(path: &'static str, bytes: &'static [u8]) -> Entry {
    Entry {
        path,
        bytes,
        executable: false,
    }
}

const fn script(path: &'static str, bytes: &'static [u8]) -> Entry {
    Entry {
        path,
        bytes,
        executable: true,
    }
}

const WIT: Entry = file("wit/classifier.wit", repo_file!("wit/classifier.wit"));
const TEST_SH: Entry = script("test.sh", include_bytes!("scaffold/test.sh"));

const RUST: &[Entry] = &[
    file("Cargo.toml", repo_file!("sdk/rust/template/Cargo.toml")),
    file("src/lib.rs", repo_file!("sdk/rust/template/src/lib.rs")),
    script("build.sh", repo_file!("sdk/rust/template/build.sh")),
    file(".gitignore", b"/target\n/build\n*.wasm\n"),
    WIT,
    TEST_SH,
];

const C: &[Entry] = &[
    file("rule.c", repo_file!("sdk/c/template/rule.c")),
    script("build.sh", repo_file!("sdk/c/template/build.sh")),
    file("kit/flowsieve.h", repo_file!("sdk/c/flowsieve.h")),
    file("kit/flowsieve.c", repo_file!("sdk/c/flowsieve.c")),
    file("kit/include/stdlib.h", repo_file!("sdk/c/include/stdlib.h")),
    file("kit/include/string.h", repo_file!("sdk/c/include/string.h")),
    file(
        "kit/bindings/classifier.h",
        repo_file!("sdk/c/bindings/classifier.h"),
    ),
    file(
        "kit/bindings/classifier.c",
        repo_file!("sdk/c/bindings/classifier.c"),
    ),
    file(
        "kit/bindings/classifier_component_type.o",
        repo_file!("sdk/c/bindings/classifier_component_type.o"),
    ),
    file(".gitignore", b"/build\n*.wasm\n"),
    WIT,
    TEST_SH,
];

const PYTHON: &[Entry] = &[
    file("rule.py", repo_file!("sdk/python/template/rule.py")),
    script("build.sh", repo_file!("sdk/python/template/build.sh")),
    file(
        "requirements.txt",
        repo_file!("sdk/python/requirements.txt"),
    ),
    file(".gitignore", b"/build\n__pycache__/\n*.wasm\n"),
    WIT,
    TEST_SH,
];

const JS: &[Entry] = &[
    file("rule.js", repo_file!("sdk/javascript/template/rule.js")),
    script("build.sh", repo_file!("sdk/javascript/template/build.sh")),
    file("package.json", repo_file!("sdk/javascript/package.json")),
    file(
        "package-lock.json",
        repo_file!("sdk/javascript/package-lock.json"),
    ),
    file(".gitignore", b"/build\nnode_modules/\n*.wasm\n"),
    WIT,
    TEST_SH,
];

fn entries(lang: Lang) -> &'static [Entry] {
    match lang {
        Lang::Rust => RUST,
        Lang::C => C,
        Lang::Python => PYTHON,
        Lang::Js => JS,
    }
}

/// A pack name that is also a valid crate, directory and file name everywhere.
fn check_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if !ok {
        bail!(
            "rule pack name {name:?}: use 1-64 lower-case letters, digits, '-' and '_', starting \
             with a letter (it becomes the manifest name, the file name and, in Rust, the crate name)"
        );
    }
    Ok(())
}

/// The `flowsieve-sdk` crate a Rust project depends on.
fn rust_sdk_dir(explicit: Option<&Path>) -> Result<PathBuf> {
    let (dir, from) = match explicit {
        Some(d) => (d.to_path_buf(), "--sdk"),
        None => (
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk/rust"),
            "the checkout this flowsieve was built from",
        ),
    };
    let manifest = dir.join("Cargo.toml");
    let is_sdk = std::fs::read_to_string(&manifest)
        .map(|t| t.contains("name = \"flowsieve-sdk\""))
        .unwrap_or(false);
    if !is_sdk {
        bail!(
            "no flowsieve-sdk crate at {} (from {from}); pass --sdk DIR, the sdk/rust folder of a \
             flowsieve checkout",
            dir.display()
        );
    }
    dir.canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))
}

/// The project's README: what it is, how to build, test and deploy it.
fn readme(name: &str, lang: Lang) -> String {
    let (language, needs, edit) = match lang {
        Lang::Rust => (
            "Rust",
            "the Rust toolchain with the `wasm32-unknown-unknown` target \
             (`rustup target add wasm32-unknown-unknown`), and `flowsieve` on `PATH` (or \
             `FLOWSIEVE=/path/to/flowsieve`) for the componentizing step",
            "`src/lib.rs` (the `flowsieve-sdk` crate: `ManifestBuilder`, leads, matchers)",
        ),
        Lang::C => (
            "C",
            "`clang` and `lld` (Debian/Ubuntu: `apt-get install clang lld`; no libc, no WASI \
             SDK: `kit/` brings what the rule needs), and `flowsieve` on `PATH` (or \
             `FLOWSIEVE=/path/to/flowsieve`) for the componentizing step",
            "`rule.c` (`kit/flowsieve.h`: `rule_manifest`, `rule_classify`, `fs_rule`, `fs_lead`, \
             `fs_matched`...; the heap is reset after every call)",
        ),
        Lang::Python => (
            "Python",
            "`componentize-py` at the pinned version: `python3 -m venv .venv && \
             .venv/bin/pip install -r requirements.txt`, then build with \
             `COMPONENTIZE_PY=.venv/bin/componentize-py ./build.sh`",
            "`rule.py` (class `WitWorld`: `manifest()` and `classify(flow)`; types in the \
             generated `wit_world` module)",
        ),
        Lang::Js => (
            "JavaScript",
            "Node.js and npm: `npm ci` installs the pinned `componentize-qjs` (QuickJS) into \
             `node_modules`",
            "`rule.js` (exports `manifest()` and `classify(flow)`)",
        ),
    };
    format!(
        "# {name}: a flowsieve rule pack in {language}\n\
         \n\
         Scaffolded by `flowsieve classifiers new {name} --lang {lang}`. It starts as the kit's \
         template rule (MQTT); edit {edit}.\n\
         \n\
         ## Build\n\
         \n\
         Needs {needs}.\n\
         \n\
         ```sh\n\
         ./build.sh            # -> rule.wasm, an import-free component\n\
         flowsieve classifiers check rule.wasm\n\
         ```\n\
         \n\
         ## Test against a capture\n\
         \n\
         ```sh\n\
         ./test.sh capture.pcap\n\
         ```\n\
         \n\
         builds the pack, runs `flowsieve run -r capture.pcap --classifiers-dir build/packs` \
         with only this pack added to the built-in ones, writes the records to \
         `build/records.jsonl` and counts the flows per protocol. Extra arguments go to \
         `flowsieve run` (e.g. `-c flowsieve.yaml`).\n\
         \n\
         ## Deploy\n\
         \n\
         Copy `rule.wasm` into the daemon's `classifiers.dir` as `{name}.wasm`, atomically \
         (a hidden temporary name in the same directory, then `mv`): a running daemon picks it \
         up (the directory is watched; `kill -HUP` forces a rescan), and logs the reason if it \
         refuses it.\n\
         \n\
         The contract, limits, fault handling and the per-language notes: \
         `docs/writing-rules.md` in flowsieve's repository.\n",
        lang = lang.as_str(),
    )
}

/// The bytes of one file of the project, with the template's pack name replaced.
fn render(entry: &Entry, name: &str, lang: Lang, sdk: Option<&Path>) -> Vec<u8> {
    let is_text = !entry.path.ends_with(".o");
    if !is_text {
        return entry.bytes.to_vec();
    }
    let text = String::from_utf8_lossy(entry.bytes);
    let template = lang.template_pack_name();
    let mut text = text.replace(&format!("\"{template}\""), &format!("\"{name}\""));
    if entry.path == "Cargo.toml" {
        if let Some(sdk) = sdk {
            // The path is written as TOML basic string: escape what needs it.
            let escaped = sdk
                .display()
                .to_string()
                .replace('\\', "\\\\")
                .replace('"', "\\\"");
            text = text.replace(
                "flowsieve-sdk = { path = \"../\" }",
                &format!(
                    "# By path: the SDK of the flowsieve checkout this project was made from.\n\
                     flowsieve-sdk = {{ path = \"{escaped}\" }}"
                ),
            );
        }
    }
    if entry.path == "test.sh" {
        text = text.replace("@PACK@", name);
    }
    text.into_bytes()
}

/// Refuses a destination that exists and is not an empty directory.
fn check_destination(dir: &Path) -> Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{}: exists and is not empty; refusing to write a project into it (choose \
                     another --dir, or remove it)",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(_) if dir.exists() => bail!(
            "{}: exists and is not a directory; refusing to overwrite it",
            dir.display()
        ),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", dir.display())),
    }
}

pub fn new(args: NewArgs) -> Result<std::process::ExitCode> {
    check_name(&args.name)?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.name));
    check_destination(&dir)?;
    let sdk = match args.lang {
        Lang::Rust => Some(rust_sdk_dir(args.sdk.as_deref())?),
        _ => {
            if args.sdk.is_some() {
                bail!("--sdk applies to --lang rust only");
            }
            None
        }
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut all = vec![Entry {
        path: "README.md",
        bytes: b"",
        executable: false,
    }];
    all.extend(entries(args.lang).iter().copied());
    for entry in &all {
        let path = dir.join(entry.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let bytes = if entry.path == "README.md" {
            readme(&args.name, args.lang).into_bytes()
        } else {
            render(entry, &args.name, args.lang, sdk.as_deref())
        };
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        if entry.executable {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", path.display()))?;
        }
    }
    println!(
        "created {} ({} rule pack `{}`): build with `cd {} && ./build.sh`, try it with \
         `./test.sh CAPTURE.pcap`; see its README.md",
        dir.display(),
        args.lang.as_str(),
        args.name,
        dir.display()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        for good in ["mqtt", "my-rule", "r2_d2"] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "1abc", "Mqtt", "a b", "a/b", "../x", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_template_carries_its_pack_name_once() {
        // The renaming relies on the template's quoted pack name: a template edit that drops
        // it would scaffold projects that all call themselves `mqtt-...`.
        for lang in [Lang::Rust, Lang::C, Lang::Python, Lang::Js] {
            let quoted = format!("\"{}\"", lang.template_pack_name());
            let hits: usize = entries(lang)
                .iter()
                .filter(|e| !e.path.ends_with(".o"))
                .map(|e| String::from_utf8_lossy(e.bytes).matches(&quoted).count())
                .sum();
            let want = if lang == Lang::Rust { 2 } else { 1 }; // Rust: lib.rs and Cargo.toml
            assert_eq!(hits, want, "{lang:?}: {quoted}");
        }
    }

    #[test]
    fn a_non_empty_destination_is_refused_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("x"), b"x").expect("write");
        let err = check_destination(dir.path()).expect_err("refused");
        assert!(err.to_string().contains(&dir.path().display().to_string()));
        assert!(err.to_string().contains("not empty"));
        let file = dir.path().join("x");
        let err = check_destination(&file).expect_err("refused");
        assert!(err.to_string().contains("not a directory"), "{err}");
        assert!(check_destination(&dir.path().join("new")).is_ok());
    }
}

//! `flowsieve classifiers ...`: list the rule packs the daemon would load, check one pack
//! file the way the daemon does, turn a core wasm module into a rule-pack component, and
//! scaffold a rule-pack project (`new`, in `scaffold.rs`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use flowsieve::config::Config;
use flowsieve::pipeline::runtime_config;
use flowsieve_wasm::{ClassifierRuntime, PackSource, PackStats, RuleInfo, RuntimeConfig};

#[derive(clap::Subcommand)]
pub enum ClassifiersCommand {
    /// List the rule packs the daemon loads: the built-in ones and the files of
    /// `classifiers.dir`, each with its rules (protocol, category, transport, priority, ports).
    List(ListArgs),
    /// Load one rule-pack file through the daemon's checks (no imports, the contract's exports,
    /// a valid manifest, a clean warm-up call) and print its manifest, or why it is refused.
    Check(CheckArgs),
    /// Turn a core WebAssembly module (built for wasm32 with wit-bindgen's component-type
    /// section, e.g. by clang or rustc) into a rule-pack component, then check it.
    Componentize(ComponentizeArgs),
    /// Create a buildable rule-pack project (the kit's template rule, build.sh, test.sh, a
    /// README) in Rust, C, Python or JavaScript.
    New(super::scaffold::NewArgs),
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Print one Markdown table of every rule (for documentation).
    #[arg(long)]
    markdown: bool,
    /// Configuration file (YAML) whose `classifiers.dir` holds the extra packs.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Directory of rule packs (overrides the config's `classifiers.dir`).
    #[arg(long = "classifiers-dir", value_name = "DIR")]
    classifiers_dir: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    /// The rule-pack component to check.
    #[arg(value_name = "FILE.wasm")]
    file: PathBuf,
    /// Configuration file (YAML): its `classifiers.*` limits apply to the check.
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ComponentizeArgs {
    /// The core module (wasm32-unknown-unknown, with a `component-type` custom section).
    #[arg(value_name = "CORE.wasm")]
    input: PathBuf,
    /// Where to write the component.
    #[arg(short = 'o', long = "output", value_name = "RULE.wasm")]
    output: PathBuf,
    /// Do not load the result through the daemon's checks.
    #[arg(long)]
    no_check: bool,
}

pub fn run(cmd: ClassifiersCommand) -> Result<ExitCode> {
    match cmd {
        ClassifiersCommand::List(args) => list(args),
        ClassifiersCommand::Check(args) => check(args),
        ClassifiersCommand::Componentize(args) => componentize(args),
        ClassifiersCommand::New(args) => super::scaffold::new(args),
    }
}

fn load_config(path: Option<&Path>) -> Result<Config> {
    Ok(match path {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    })
}

/// The daemon's runtime settings, without the directory watcher (a one-shot command).
fn one_shot(config: &Config) -> RuntimeConfig {
    RuntimeConfig {
        watch: false,
        ..runtime_config(config)
    }
}

fn list(args: ListArgs) -> Result<ExitCode> {
    let mut config = load_config(args.config.as_deref())?;
    if let Some(dir) = args.classifiers_dir {
        config.classifiers.dir = Some(dir);
    }
    if let Some(dir) = &config.classifiers.dir {
        // The daemon treats a missing directory as empty (it may be created later); a listing
        // asked for one should say so.
        if !dir.is_dir() {
            bail!(
                "classifiers directory {}: not a directory (from {})",
                dir.display(),
                if args.config.is_some() {
                    "the config's classifiers.dir"
                } else {
                    "--classifiers-dir"
                }
            );
        }
    }
    let runtime =
        ClassifierRuntime::new(one_shot(&config)).context("cannot start the classifier runtime")?;
    let packs = runtime.packs();
    let failures = runtime.load_failures();
    let text = if args.markdown {
        markdown(&packs)
    } else {
        plain(&packs)
    };
    print!("{text}");
    if failures.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    // Refused files go to stderr (the listing on stdout stays a clean table) and make the
    // exit status 1, so a deployment script notices.
    for f in &failures {
        eprintln!("flowsieve: {}: refused: {}", f.path.display(), f.reason);
    }
    Ok(ExitCode::FAILURE)
}

fn ports(rule: &RuleInfo) -> String {
    if rule.ports.is_empty() {
        "any".to_owned()
    } else {
        rule.ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn leads(rule: &RuleInfo) -> String {
    if rule.leads.is_empty() {
        "-".to_owned()
    } else {
        rule.leads.join(" or ")
    }
}

fn source(pack: &PackStats) -> String {
    match &pack.source {
        PackSource::Builtin => "built-in".to_owned(),
        PackSource::File(p) => p.display().to_string(),
    }
}

/// Header and rows of the rules of some packs, for aligned text.
fn rule_rows(pack: &PackStats) -> Vec<[String; 6]> {
    let mut rows = vec![[
        "protocol",
        "category",
        "transport",
        "priority",
        "ports",
        "leads",
    ]
    .map(String::from)];
    for r in &pack.manifest_rules {
        rows.push([
            r.protocol.clone(),
            r.category.clone(),
            r.transport.as_str().to_owned(),
            r.priority.to_string(),
            ports(r),
            leads(r),
        ]);
    }
    rows
}

fn plain(packs: &[PackStats]) -> String {
    let mut out = String::new();
    for (i, pack) in packs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pack_text(pack));
    }
    out
}

/// `name version (source)` and an aligned table of the pack's rules.
fn pack_text(pack: &PackStats) -> String {
    let mut out = String::new();
    let version = if pack.version.is_empty() {
        "(no version)"
    } else {
        &pack.version
    };
    let _ = writeln!(out, "{} {version} ({})", pack.name, source(pack));
    let rows = rule_rows(pack);
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in &rows {
        let mut line = String::from(" ");
        for (cell, w) in row.iter().zip(widths) {
            let _ = write!(line, " {cell:<w$} ");
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// One table, one row per rule: the README's rules table is generated with this.
fn markdown(packs: &[PackStats]) -> String {
    let mut out = String::from(
        "| pack | protocol | category | transport | priority | ports | leads |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for pack in packs {
        let mut name = format!("{} {}", pack.name, pack.version);
        if let PackSource::File(p) = &pack.source {
            let file = p
                .file_name()
                .map(|f| f.to_string_lossy())
                .unwrap_or_default();
            let _ = write!(name, " (`{file}`)");
        }
        for r in &pack.manifest_rules {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md_escape(name.trim()),
                md_escape(&r.protocol),
                md_escape(&r.category),
                r.transport.as_str(),
                r.priority,
                ports(r),
                md_escape(&leads(r).replace('`', "'"))
            );
        }
    }
    out
}

/// Manifest names are printable ASCII; only `|` would break a table cell.
fn md_escape(s: &str) -> String {
    s.replace('|', "\\|")
}

/// A runtime for checking files only: the config's limits, no built-ins, no directory.
fn checker(config: &Config) -> Result<std::sync::Arc<ClassifierRuntime>> {
    let rc = RuntimeConfig {
        builtins: false,
        classifiers_dir: None,
        ..one_shot(config)
    };
    ClassifierRuntime::new(rc).context("cannot start the classifier runtime")
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let config = load_config(args.config.as_deref())?;
    let runtime = checker(&config)?;
    Ok(check_one(&runtime, &args.file))
}

/// Prints `OK` and the manifest on stdout, or the reason on stderr (status 1).
fn check_one(runtime: &ClassifierRuntime, file: &Path) -> ExitCode {
    match runtime.check_file(file) {
        Ok(pack) => {
            println!(
                "OK: {}: pack {} {}, {} rule{}",
                file.display(),
                pack.name,
                pack.version,
                pack.manifest_rules.len(),
                if pack.manifest_rules.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            print!("{}", pack_text(&pack));
            ExitCode::SUCCESS
        }
        // A read error already names the path.
        Err(e @ flowsieve_wasm::LoadError::Read { .. }) => {
            eprintln!("flowsieve: {e}");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("flowsieve: {}: refused: {e}", file.display());
            ExitCode::FAILURE
        }
    }
}

const WASM_MAGIC: &[u8; 4] = b"\0asm";
/// Version + layer of a core module (the component model's are `0d 00 01 00`).
const CORE_VERSION: &[u8; 4] = &[1, 0, 0, 0];

fn componentize(args: ComponentizeArgs) -> Result<ExitCode> {
    let input = &args.input;
    let core = std::fs::read(input).with_context(|| format!("cannot read {}", input.display()))?;
    if core.len() < 8 || &core[..4] != WASM_MAGIC {
        bail!(
            "{}: not a WebAssembly module (no \\0asm header); give the .wasm file your compiler \
             wrote for wasm32-unknown-unknown",
            input.display()
        );
    }
    if &core[4..8] != CORE_VERSION {
        bail!(
            "{}: already a component, not a core module; check it with `flowsieve classifiers \
             check {}`",
            input.display(),
            input.display()
        );
    }
    match custom_section_names(&core) {
        Some(names) if names.iter().any(|n| n.starts_with("component-type")) => {}
        Some(_) => bail!(
            "{}: no `component-type` custom section, so there is no world to export{}",
            input.display(),
            NO_TYPES_HINT
        ),
        None => bail!(
            "{}: not a valid WebAssembly module (a section runs past the end of the file)",
            input.display()
        ),
    }
    let component = wit_component::ComponentEncoder::default()
        .validate(true)
        .module(&core)
        .and_then(|encoder| encoder.encode())
        .map_err(|e| {
            let hint = hint_for(&format!("{e:#}"));
            anyhow::anyhow!(
                "{}: cannot be made a component: {e:#}{hint}",
                input.display()
            )
        })?;
    write_atomically(&args.output, &component)?;
    println!(
        "wrote {} ({} bytes) from {}",
        args.output.display(),
        component.len(),
        input.display()
    );
    if args.no_check {
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = checker(&Config::default())?;
    Ok(check_one(&runtime, &args.output))
}

const NO_TYPES_HINT: &str = "\nhint: generate the bindings with wit-bindgen from \
     wit/classifier.wit (world `classifier`) and link the generated *_component_type.o (C), or \
     use flowsieve-sdk (Rust): either embeds the section";

/// Names of a core module's custom sections; `None` if the section framing is broken.
fn custom_section_names(module: &[u8]) -> Option<Vec<String>> {
    fn leb_u32(b: &[u8], pos: &mut usize) -> Option<u32> {
        let mut value = 0u32;
        for shift in (0..35).step_by(7) {
            let byte = *b.get(*pos)?;
            *pos += 1;
            value |= u32::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
    let mut names = Vec::new();
    let mut pos = 8;
    while pos < module.len() {
        let id = module[pos];
        pos += 1;
        let size = leb_u32(module, &mut pos)? as usize;
        let end = pos.checked_add(size).filter(|&e| e <= module.len())?;
        if id == 0 {
            let mut p = pos;
            let len = leb_u32(module, &mut p)? as usize;
            let name = module.get(p..p.checked_add(len)?.min(end))?;
            names.push(String::from_utf8_lossy(name).into_owned());
        }
        pos = end;
    }
    Some(names)
}

/// The usual ways a core module is not ready, said in the user's terms.
fn hint_for(err: &str) -> &'static str {
    if err.contains("wasi_snapshot_preview1") {
        "\nhint: the module imports WASI (built for wasm32-wasip1 or with a libc that uses it); \
         rule packs may import nothing: build for wasm32-unknown-unknown (C: clang --target=wasm32 \
         -nostdlib)"
    } else if err.contains("component-type") || err.contains("custom section") {
        NO_TYPES_HINT
    } else {
        ""
    }
}

/// Writes next to the destination, then renames: a watched classifiers directory never sees a
/// half-written pack.
fn write_atomically(dest: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .with_context(|| format!("{}: not a file name", dest.display()))?;
    let tmp = dir.join(format!(".{}.tmp", name.to_string_lossy()));
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, dest).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}", dest.display())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowsieve_wasm::Transport;

    fn pack() -> PackStats {
        let rule = |p: &str, t, prio, ports: &[u16]| RuleInfo {
            protocol: p.into(),
            category: "Web".into(),
            transport: t,
            priority: prio,
            ports: ports.to_vec(),
            leads: if ports.is_empty() {
                vec![r#"client "GET ""#.into(), "either 80&c0".into()]
            } else {
                vec![]
            },
        };
        PackStats {
            name: "web".into(),
            version: "1.0".into(),
            source: PackSource::File("/x/web.wasm".into()),
            rules: vec![],
            manifest_rules: vec![
                rule("HTTP", Transport::Tcp, 2, &[]),
                rule("A|B", Transport::Udp, 10, &[53, 853]),
            ],
            faults: 0,
            faults_by_kind: vec![],
            quarantined: false,
            from_cache: false,
            content_hash: String::new(),
        }
    }

    #[test]
    fn markdown_rows_escape_and_show_ports() {
        let md = markdown(&[pack()]);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 4, "{md}");
        assert_eq!(
            lines[2],
            "| web 1.0 (`web.wasm`) | HTTP | Web | tcp | 2 | any | client \"GET \" or either 80&c0 |"
        );
        assert_eq!(
            lines[3],
            "| web 1.0 (`web.wasm`) | A\\|B | Web | udp | 10 | 53,853 | - |"
        );
    }

    #[test]
    fn plain_text_is_aligned() {
        let text = pack_text(&pack());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "web 1.0 (/x/web.wasm)");
        let col = |l: &str| {
            l.find("tcp")
                .or_else(|| l.find("udp"))
                .or(l.find("transport"))
        };
        assert_eq!(col(lines[1]), col(lines[2]));
        assert_eq!(col(lines[2]), col(lines[3]));
    }
}

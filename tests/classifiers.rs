//! `flowsieve classifiers list | check | componentize`, run as the real binary: what they print,
//! their exit status, and that a componentized core module is a pack the daemon loads and uses.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use flowsieve_wasm::test_guests;

fn flowsieve(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(args)
        .output()
        .expect("run flowsieve")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Copies a test guest into `dir` under `name`.
fn install(guest: &str, dir: &Path, name: &str) -> PathBuf {
    let dest = dir.join(name);
    std::fs::copy(test_guests::path(guest), &dest).expect("copy test guest");
    dest
}

/// The rows of the built-in `core` pack as `list` prints them: protocol, category, transport,
/// priority, ports (whitespace-separated, aligned).
const CORE_RULES: &[[&str; 5]] = &[
    ["HTTP", "Web", "tcp", "2", "any"],
    ["HTTPS", "Web", "tcp", "2", "any"],
    ["SSL/TLS", "Encryption", "tcp", "100", "any"],
    ["SSH", "Remote_Access", "tcp", "2", "any"],
    ["DNS", "Services", "udp", "10", "any"],
    ["DNS_TCP", "Services", "tcp", "6", "any"],
    ["SMTP", "Mail", "tcp", "2", "any"],
];

#[test]
fn list_shows_the_built_in_pack_with_every_rule() {
    let out = flowsieve(&["classifiers", "list"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("core ") && lines[0].ends_with("(built-in)"),
        "{stdout}"
    );
    let words = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(
        words(lines[1]),
        [
            "protocol",
            "category",
            "transport",
            "priority",
            "ports",
            "leads"
        ]
    );
    // The core pack's rows end at the blank line before the next pack; the leads column is
    // free text (`client "GET " or ...`), the first five are words.
    let rows: Vec<Vec<String>> = lines[2..]
        .iter()
        .take_while(|l| !l.is_empty())
        .map(|l| words(l))
        .collect();
    let fixed: Vec<&[String]> = rows.iter().map(|r| &r[..5.min(r.len())]).collect();
    assert_eq!(fixed, CORE_RULES, "{stdout}");
    let ssh = lines
        .iter()
        .find(|l| l.trim_start().starts_with("SSH "))
        .expect("SSH row");
    assert!(ssh.trim_end().ends_with(r#"either "SSH-""#), "{ssh}");
}

#[test]
fn list_markdown_is_one_table_row_per_rule() {
    let out = flowsieve(&["classifiers", "list", "--markdown"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "| pack | protocol | category | transport | priority | ports | leads |"
    );
    assert_eq!(lines[1], "| --- | --- | --- | --- | --- | --- | --- |");
    // Every row names its pack and has the seven cells; the core pack's come first.
    for line in &lines[2..] {
        assert_eq!(line.trim_matches('|').split('|').count(), 7, "{line}");
    }
    let core = lines[2..].iter().take_while(|l| l.starts_with("| core "));
    assert_eq!(core.count(), CORE_RULES.len(), "{stdout}");
    for (line, rule) in lines[2..].iter().zip(CORE_RULES) {
        let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
        assert!(cells[0].starts_with("core "), "{line}");
        assert_eq!(&cells[1..6], rule, "{line}");
        assert!(
            !cells[6].is_empty() && cells[6] != "-",
            "core rules all have leads: {line}"
        );
    }
}

/// The README's table of built-in rules is the output of `classifiers list --markdown`, so the
/// documentation cannot drift from the manifests.
#[test]
fn readme_rules_table_is_generated_from_the_manifests() {
    let out = flowsieve(&["classifiers", "list", "--markdown"]);
    let table = text(&out.stdout);
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    assert!(
        readme.contains(&table),
        "README.md's rules table differs from the packs' manifests; regenerate it with \
         `flowsieve classifiers list --markdown`:\n{table}"
    );
}

#[test]
fn list_includes_directory_packs_and_reports_refused_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let echo = install("echo", dir.path(), "echo.wasm");
    install("wasi", dir.path(), "sneaky.wasm");
    std::fs::write(dir.path().join("junk.wasm"), b"not wasm at all").expect("write");
    // From the config's classifiers.dir.
    let cfg = dir.path().join("flowsieve.yaml");
    std::fs::write(&cfg, format!("classifiers:\n  dir: {}\n", p(dir.path()))).expect("config");
    let out = flowsieve(&["classifiers", "list", "-c", p(&cfg)]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(
        out.status.code(),
        Some(1),
        "refused files fail the listing:\n{stderr}"
    );
    assert!(stdout.contains("core "), "{stdout}");
    assert!(
        stdout.contains(&format!("echo 0.1.0 ({})", echo.display())),
        "{stdout}"
    );
    assert!(stdout.contains("Echo_Test"), "{stdout}");
    let refused: Vec<&str> = stderr.lines().filter(|l| l.contains("refused")).collect();
    assert_eq!(refused.len(), 2, "{stderr}");
    assert!(
        refused[0].contains("junk.wasm") && refused[0].contains("not a WebAssembly file"),
        "{stderr}"
    );
    assert!(
        refused[1].contains("sneaky.wasm") && refused[1].contains("wasi:random/random@0.2.0"),
        "{stderr}"
    );

    // --classifiers-dir wins over the config; a good directory lists with status 0.
    let good = tempfile::tempdir().expect("tempdir");
    install("echo", good.path(), "echo.wasm");
    let out = flowsieve(&[
        "classifiers",
        "list",
        "--markdown",
        "-c",
        p(&cfg),
        "--classifiers-dir",
        p(good.path()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("| echo 0.1.0 (`echo.wasm`) | Echo_Test | Uncategorised | tcp | 5 | any |"),
        "{stdout}"
    );

    let out = flowsieve(&[
        "classifiers",
        "list",
        "--classifiers-dir",
        "/nonexistent/dir",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("/nonexistent/dir: not a directory"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn check_accepts_a_good_pack_and_prints_its_manifest() {
    let path = test_guests::path("echo");
    let out = flowsieve(&["classifiers", "check", p(&path)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with(&format!(
            "OK: {}: pack echo 0.1.0, 1 rule\n",
            path.display()
        )),
        "{stdout}"
    );
    let row: Vec<&str> = stdout
        .lines()
        .last()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    assert_eq!(
        row,
        ["Echo_Test", "Uncategorised", "tcp", "5", "any", "-"],
        "{stdout}"
    );
}

#[test]
fn check_refuses_with_the_reason_and_status_1() {
    let dir = tempfile::tempdir().expect("tempdir");
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"\x7fELF not wasm").expect("write");
    let cases: Vec<(PathBuf, &str)> = vec![
        // The sandbox rule, naming the import.
        (
            test_guests::path("wasi"),
            "imports \"wasi:random/random@0.2.0\"",
        ),
        // manifest() traps: the SDK refuses an index mismatch.
        (test_guests::path("badmanifest"), "`manifest()` failed"),
        (junk, "not a WebAssembly file"),
        // A core module is not a component yet, and the message says what to run.
        (
            test_guests::core_module_path("echo"),
            "flowsieve classifiers componentize",
        ),
        (dir.path().join("missing.wasm"), "cannot read"),
    ];
    for (path, reason) in cases {
        let out = flowsieve(&["classifiers", "check", p(&path)]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", path.display());
        assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
        assert!(
            stderr.contains(p(&path)) && stderr.contains(reason),
            "{}: want {reason:?} in {stderr}",
            path.display()
        );
    }
}

#[test]
fn componentize_turns_a_core_module_into_a_pack_the_daemon_uses() {
    let dir = tempfile::tempdir().expect("tempdir");
    let packs = dir.path().join("packs");
    std::fs::create_dir(&packs).expect("mkdir");
    // corev2's manifest is named "core": as a file it replaces the built-in pack and names
    // HTTP requests HTTP_NonStandard, so the records show which pack answered.
    let core = test_guests::core_module_path("corev2");
    let rule = packs.join("core.wasm");
    let out = flowsieve(&["classifiers", "componentize", p(&core), "-o", p(&rule)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!("wrote {}", rule.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains("OK: ") && stdout.contains("pack core 0.2.0-test"),
        "the result is checked: {stdout}"
    );
    let bytes = std::fs::read(&rule).expect("component written");
    assert_eq!(
        &bytes[..8],
        b"\0asm\x0d\x00\x01\x00",
        "a component, not a core module"
    );
    // No temporary file is left next to it.
    let names: Vec<String> = std::fs::read_dir(&packs)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["core.wasm"]);

    let out = flowsieve(&["classifiers", "check", p(&rule)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let capture = data("corpus/ndpi/http.pcapng");
    let baseline = run(&capture, &["-q"]);
    let with_pack = run(&capture, &["-q", "--classifiers-dir", p(&packs)]);
    let protocols = |r: &Run| -> Vec<String> {
        r.records
            .iter()
            .filter(|r| kind(r) == "flow_end")
            .map(|r| {
                s(r, &["flow", "protocol"])
                    .as_str()
                    .unwrap_or("")
                    .to_owned()
            })
            .collect()
    };
    assert_eq!(protocols(&baseline), ["HTTP"], "{}", baseline.stderr);
    assert_eq!(
        protocols(&with_pack),
        ["HTTP_NonStandard"],
        "{}",
        with_pack.stderr
    );
}

#[test]
fn componentize_no_check_only_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("echo.wasm");
    let core = test_guests::core_module_path("echo");
    let out = flowsieve(&[
        "classifiers",
        "componentize",
        p(&core),
        "-o",
        p(&out_path),
        "--no-check",
    ]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.starts_with("wrote ") && !stdout.contains("OK:"),
        "{stdout}"
    );
    let out = flowsieve(&["classifiers", "check", p(&out_path)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn componentize_the_core_pack_gives_the_built_in_manifest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("core.wasm");
    let core = test_guests::core_module_path("core");
    let out = flowsieve(&["classifiers", "componentize", p(&core), "-o", p(&out_path)]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("pack core 0.1.0, 7 rules"), "{stdout}");
}

#[test]
fn componentize_refuses_what_is_not_a_core_module_with_the_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out_path = dir.path().join("out.wasm");
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"hello").expect("write");
    // A valid core module with no component-type section (the 8-byte empty module).
    let bare = dir.path().join("bare.wasm");
    std::fs::write(&bare, b"\0asm\x01\x00\x00\x00").expect("write");
    // A core module cut in the middle of a section.
    let cut = dir.path().join("cut.wasm");
    let full = std::fs::read(test_guests::core_module_path("echo")).expect("core module");
    std::fs::write(&cut, &full[..full.len() / 2]).expect("write");
    let cases: Vec<(PathBuf, &str)> = vec![
        (garbage, "not a WebAssembly module"),
        (test_guests::path("echo"), "already a component"),
        (bare, "no `component-type` custom section"),
        (cut, "not a valid WebAssembly module"),
        (dir.path().join("missing.wasm"), "cannot read"),
    ];
    for (path, reason) in cases {
        let out = flowsieve(&["classifiers", "componentize", p(&path), "-o", p(&out_path)]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", path.display());
        assert!(
            stderr.contains(p(&path)) && stderr.contains(reason),
            "{}: want {reason:?} in {stderr}",
            path.display()
        );
        assert!(!out_path.exists(), "nothing written for {}", path.display());
    }
    // A missing -o is a usage error (status 2).
    let out = flowsieve(&["classifiers", "componentize", "x.wasm"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--output"),
        "{}",
        text(&out.stderr)
    );
}

/// `flowsieve classifiers list | head -1`: the reader goes away; the command must end quietly
/// (like `ls`), not panic in `print!`.
#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowsieve"))
        .args(["classifiers", "list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // no reader: every write hits a closed pipe
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(
        out.status.code(),
        Some(101),
        "a panic's exit status: {stderr}"
    );
}

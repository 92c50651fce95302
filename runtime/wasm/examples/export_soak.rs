//! Calls one export of a component many times on one instance and prints the instance's
//! linear memory: the harness of `sdk/python/leak-repro`, which shows componentize-py leaking
//! the allocation of an empty `list<string>` argument. Plain wasmtime, no flowsieve host, so
//! nothing of flowsieve's is in the measurement.
//!
//! ```sh
//! cargo run --release -p flowsieve-wasm --example export_soak -- repro.wasm CASES [CALLS]
//! ```
//!
//! CASES, comma-separated, each on a fresh instance: `strings-empty` (`strings([])`),
//! `strings-one` (`strings(["h2"])`), `bytes-empty` (`bytes([])`), `optstrings-none`
//! (`optstrings(none)`), `optstrings-one` (`optstrings(some(["h2"]))`). CALLS: 600 000 by default
//! (the leak shows once the initial heap's free space is used up, ~200 000 calls).

use std::process::ExitCode;
use wasmtime::component::{Component, Linker, Val};
use wasmtime::{Config, Engine, ResourceLimiter, Store};

/// Counts the store's linear-memory bytes (creation counts as growth from 0).
struct Memory {
    bytes: usize,
}

impl ResourceLimiter for Memory {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.bytes += desired.saturating_sub(current);
        Ok(true)
    }

    fn table_growing(&mut self, _: usize, _: usize, _: Option<usize>) -> wasmtime::Result<bool> {
        Ok(true)
    }

    // componentize-py components have ~40 core instances, each WASI stub with its own memory.
    fn instances(&self) -> usize {
        1000
    }

    fn tables(&self) -> usize {
        1000
    }

    fn memories(&self) -> usize {
        1000
    }
}

fn soak(engine: &Engine, component: &Component, case: &str, calls: u64) -> wasmtime::Result<()> {
    let (export, arg) = match case {
        "strings-empty" => ("strings", Val::List(vec![])),
        "strings-one" => ("strings", Val::List(vec![Val::String("h2".into())])),
        "bytes-empty" => ("bytes", Val::List(vec![])),
        "optstrings-none" => ("optstrings", Val::Option(None)),
        "optstrings-one" => (
            "optstrings",
            Val::Option(Some(Box::new(Val::List(vec![Val::String("h2".into())])))),
        ),
        other => wasmtime::bail!("unknown case {other:?}"),
    };
    let mut store = Store::new(engine, Memory { bytes: 0 });
    store.limiter(|m| m);
    let instance = Linker::new(engine).instantiate(&mut store, component)?;
    let func = instance
        .get_func(&mut store, export)
        .ok_or_else(|| wasmtime::format_err!("no export {export:?}"))?;
    let mut results = [Val::U32(0)];
    let start = store.data().bytes;
    let every = (calls / 10).max(1);
    for i in 1..=calls {
        func.call(&mut store, std::slice::from_ref(&arg), &mut results)?;
        if i % every == 0 {
            println!(
                "{case}: {i} calls, linear memory {} bytes",
                store.data().bytes
            );
        }
    }
    let end = store.data().bytes;
    println!(
        "{case}: {start} -> {end} bytes over {calls} calls ({:.1} bytes/call)",
        (end - start) as f64 / calls as f64
    );
    Ok(())
}

fn run(path: &str, cases: &str, calls: u64) -> wasmtime::Result<()> {
    let engine = Engine::new(&Config::new())?;
    // Compiled once: CPython is ~18 MB of wasm.
    let component = Component::from_file(&engine, path)?;
    for case in cases.split(',') {
        soak(&engine, &component, case, calls)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, cases, rest @ ..] = args.as_slice() else {
        eprintln!("usage: export_soak COMPONENT strings-empty,strings-one,bytes-empty [CALLS]");
        return ExitCode::from(2);
    };
    let calls = match rest.first().map(|c| c.parse::<u64>()) {
        None => 600_000,
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            eprintln!("CALLS: {e}");
            return ExitCode::from(2);
        }
    };
    match run(path, cases, calls) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

//! One loaded rule pack: compiled, checked (no imports, the contract's
//! exports and types, a sane manifest, a clean warm-up call), its names
//! interned. Shared by all workers; each worker instantiates it in its own
//! store (`instance.rs`).

use crate::cache::{content_hash, CompileCache};
use crate::config::RuntimeConfig;
use crate::contract::{FlowView, Manifest, Outcome, Transport};
use crate::error::LoadError;
use crate::fault::FaultRecord;
use crate::gate::{self, slot, Gates};
use crate::instance::{CallError, LiveInstance};
use crate::limits::HostState;
use crate::protocols::{ProtocolId, ProtocolTable};
use std::path::PathBuf;
use wasmtime::component::{ComponentExportIndex, InstancePre, Linker};
use wasmtime::Engine;

/// Where a pack came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PackSource {
    /// Embedded in the binary.
    Builtin,
    /// A file of the classifiers directory.
    File(PathBuf),
}

impl std::fmt::Display for PackSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackSource::Builtin => f.write_str("built-in"),
            PackSource::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One rule of a pack's manifest, as the pack declared it (for listings such
/// as `flowsieve classifiers list`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub protocol: String,
    pub category: String,
    pub transport: Transport,
    /// Lower wins when two packs match the same flow.
    pub priority: u8,
    /// Port hints: the pack is offered a flow only if the client or server
    /// port is listed. Empty = any port.
    pub ports: Vec<u16>,
    /// Payload leads, written for people: `client "GET "`,
    /// `either 80&c0` (hex with a mask), `server "+OK"@4` (at an offset).
    pub leads: Vec<String>,
}

/// A rule as the host keeps it.
#[derive(Clone, Debug)]
pub(crate) struct RuleEntry {
    pub(crate) id: ProtocolId,
    pub(crate) transport: Transport,
    pub(crate) priority: u8,
}

pub(crate) struct Pack {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) source: PackSource,
    pub(crate) content_hash: String,
    pub(crate) from_cache: bool,
    pub(crate) rules: Vec<RuleEntry>,
    /// Manifest rules as declared, for listings.
    pub(crate) manifest_rules: Vec<RuleInfo>,
    gates: [Gates; 2],
    pub(crate) pre: InstancePre<HostState>,
    pub(crate) classify_index: ComponentExportIndex,
    pub(crate) faults: FaultRecord,
}

/// What loading needs from the runtime.
pub(crate) struct LoadContext<'a> {
    pub(crate) engine: &'a Engine,
    pub(crate) cache: &'a CompileCache,
    pub(crate) protocols: &'a ProtocolTable,
    pub(crate) config: &'a RuntimeConfig,
}

const MAX_NAME: usize = 64;
const MAX_RULES: usize = 1024;

impl Pack {
    pub(crate) fn load(
        cx: &LoadContext<'_>,
        bytes: &[u8],
        source: PackSource,
    ) -> Result<Pack, LoadError> {
        check_header(bytes)?;
        let hash = content_hash(bytes);
        let (component, from_cache) = cx.cache.load_or_compile(cx.engine, bytes, &hash)?;

        // The sandbox rule: nothing to import means nothing to reach.
        let ty = component.component_type();
        let mut imports = ty.imports(cx.engine).map(|(name, _)| name.to_owned());
        if let Some(import) = imports.next() {
            let rest: Vec<String> = imports.collect();
            let others = if rest.is_empty() {
                String::new()
            } else {
                format!(" (also imports {})", rest.join(", "))
            };
            return Err(LoadError::Imports { import, others });
        }

        let manifest_index = component
            .get_export_index(None, "manifest")
            .ok_or(LoadError::MissingExport("manifest"))?;
        let classify_index = component
            .get_export_index(None, "classify")
            .ok_or(LoadError::MissingExport("classify"))?;
        let pre = Linker::<HostState>::new(cx.engine)
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Instantiate(format!("{e:#}")))?;

        // A scratch instance under the same limits as the workers' ones.
        let mut live = LiveInstance::new(
            cx.engine,
            &pre,
            &classify_index,
            cx.config.memory_limit,
            cx.config.load_deadline_ticks(),
        )
        .map_err(|e| LoadError::Instantiate(format!("{e:#}")))?;
        let manifest = live
            .call_manifest(&manifest_index, cx.config.load_deadline_ticks())
            .map_err(|e| match e {
                CallError::Signature(reason) => LoadError::WrongSignature {
                    export: "manifest",
                    reason: crate::version::diagnose(&component, cx.engine).unwrap_or(reason),
                },
                CallError::Fault(kind, err) => {
                    LoadError::ManifestCall(format!("{}: {}", kind.as_str(), err.root_cause()))
                }
            })?;
        live.check_classify_signature()
            .map_err(|reason| LoadError::WrongSignature {
                export: "classify",
                reason: crate::version::diagnose(&component, cx.engine).unwrap_or(reason),
            })?;
        validate(&manifest)?;
        let gates = gate::build(&manifest.rules).map_err(LoadError::Manifest)?;

        let mut pack = Pack {
            name: manifest.name.clone(),
            version: manifest.version.clone(),
            source,
            content_hash: hash,
            from_cache,
            rules: Vec::with_capacity(manifest.rules.len()),
            manifest_rules: Vec::with_capacity(manifest.rules.len()),
            gates,
            pre,
            classify_index,
            faults: FaultRecord::default(),
        };
        for rule in &manifest.rules {
            let transport = Transport::from(rule.transport);
            let id = cx.protocols.intern(&rule.protocol, &rule.category)?;
            pack.rules.push(RuleEntry {
                id,
                transport,
                priority: rule.priority,
            });
            pack.manifest_rules.push(RuleInfo {
                protocol: rule.protocol.clone(),
                category: rule.category.clone(),
                transport,
                priority: rule.priority,
                ports: rule.ports.clone(),
                leads: rule.leads.iter().map(gate::display).collect(),
            });
        }

        // Warm-up: the first call pays for lazy initialisation (guest
        // allocator, engine-side caches); pay it here, off the packet path,
        // and refuse a pack that cannot even answer an empty flow.
        for transport in [Transport::Tcp, Transport::Udp] {
            if !pack.gates[slot(transport)].any() {
                continue;
            }
            let view = FlowView::new(transport, 0, 0);
            let outcome = live
                .call_classify(&view, cx.config.load_deadline_ticks())
                .map_err(|(kind, err)| LoadError::WarmUp {
                    kind: kind.as_str(),
                    reason: err.root_cause().to_string(),
                })?;
            if let Outcome::Matched(index) = outcome {
                pack.rule_for(index, transport).ok_or_else(|| LoadError::WarmUp {
                    kind: "bad_verdict",
                    reason: format!("answered rule {index}, which is not a {transport:?} rule of its manifest"),
                })?;
            }
        }
        Ok(pack)
    }

    /// The best priority among this pack's rules that the host's gates
    /// (transport, ports, leads) let `view` reach and that would beat
    /// `below` (exclusive); `None`: do not call the pack.
    #[inline]
    pub(crate) fn best_open(&self, view: &FlowView<'_>, below: u16) -> Option<u8> {
        self.gates[slot(view.transport)].best_open(view, below)
    }

    /// The rule a guest's `matched(index)` names, if it is one of this
    /// transport's rules.
    #[inline]
    pub(crate) fn rule_for(&self, index: u32, transport: Transport) -> Option<&RuleEntry> {
        let rule = self.rules.get(usize::try_from(index).ok()?)?;
        (rule.transport == transport).then_some(rule)
    }
}

/// The two mistakes worth a plain answer before the parser's: not wasm at all,
/// and a core module that was never turned into a component.
fn check_header(bytes: &[u8]) -> Result<(), LoadError> {
    const MAGIC: &[u8] = b"\0asm";
    const CORE_VERSION: &[u8] = &[1, 0, 0, 0];
    if !bytes.starts_with(MAGIC) {
        return Err(LoadError::Compile(
            "not a WebAssembly file (no \\0asm header)".to_owned(),
        ));
    }
    if bytes.get(4..8) == Some(CORE_VERSION) {
        return Err(LoadError::Compile(
            "a core module, not a component (turn it into one with `flowsieve classifiers componentize`)"
                .to_owned(),
        ));
    }
    Ok(())
}

/// Names reach logs and JSON records: keep them short, printable and
/// non-empty. (Whether they are libprotoident names is the pack's business.)
fn validate(m: &Manifest) -> Result<(), LoadError> {
    let printable = |s: &str| {
        !s.is_empty() && s.len() <= MAX_NAME && s.bytes().all(|b| (0x20..0x7f).contains(&b))
    };
    let bad = |what: String| Err(LoadError::Manifest(what));
    if !printable(&m.name) || m.name.contains(['/', '\\', ' ']) {
        return bad(format!("pack name {:?} must be 1–{MAX_NAME} printable ASCII characters without spaces or slashes", m.name));
    }
    if !m.version.is_empty() && !printable(&m.version) {
        return bad(format!(
            "version {:?} must be at most {MAX_NAME} printable ASCII characters",
            m.version
        ));
    }
    if m.rules.is_empty() || m.rules.len() > MAX_RULES {
        return bad(format!(
            "{} rules; a pack needs 1–{MAX_RULES}",
            m.rules.len()
        ));
    }
    for (i, rule) in m.rules.iter().enumerate() {
        if !printable(&rule.protocol) || !printable(&rule.category) {
            return bad(format!(
                "rule {i}: protocol {:?} / category {:?} must be 1–{MAX_NAME} printable ASCII characters",
                rule.protocol, rule.category
            ));
        }
    }
    Ok(())
}

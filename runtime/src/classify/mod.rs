//! Naming flows: labels (protocol + category), the selection of what to export, and the
//! glue between a flow and the WASM rule packs (`flowsieve_wasm`).
//!
//! TCP and UDP flows are offered to the packs by `flowsieve_wasm::FlowDecision` (payload
//! both ways, or one way past a threshold, or the flow's end; re-offered on `need-more`);
//! with no match they are `Unknown_TCP` / `Unknown_UDP`, with no payload `No_Payload`.
//! ICMP flows are `ICMP` and other IP protocols `Unsupported` from their first packet.

use std::collections::HashMap;
use std::sync::Arc;

use flowsieve_wasm::{ClassifierRuntime, ProtocolId};

/// A flow's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Label {
    /// Named by the rule packs (or their fallbacks); names live in the runtime's table.
    Protocol(ProtocolId),
    Icmp,
    Unsupported,
}

/// Resolves labels to names and remembers whether the selection wants them. One per worker:
/// names are looked up once per protocol, not per record.
pub struct Labels {
    runtime: Arc<ClassifierRuntime>,
    selection: Selection,
    by_id: Vec<Option<Named>>,
    icmp: Named,
    unsupported: Named,
}

#[derive(Clone)]
struct Named {
    protocol: Arc<str>,
    category: Arc<str>,
    wanted: bool,
}

impl Labels {
    pub fn new(runtime: Arc<ClassifierRuntime>, selection: Selection) -> Labels {
        let named = |p: &str, c: &str| Named {
            protocol: p.into(),
            category: c.into(),
            wanted: selection.wants(p, c),
        };
        Labels {
            icmp: named("ICMP", "ICMP"),
            unsupported: named("Unsupported", "Unsupported"),
            runtime,
            selection,
            by_id: Vec::new(),
        }
    }

    fn named(&mut self, label: Label) -> &Named {
        match label {
            Label::Icmp => &self.icmp,
            Label::Unsupported => &self.unsupported,
            Label::Protocol(id) => {
                let i = id.index() as usize;
                if self.by_id.len() <= i {
                    self.by_id.resize(i + 1, None);
                }
                if self.by_id[i].is_none() {
                    let info = self.runtime.protocol(id);
                    let (p, c): (Arc<str>, Arc<str>) = match info {
                        Some(info) => (info.name, info.category),
                        None => ("Unknown".into(), "Unknown".into()),
                    };
                    let wanted = self.selection.wants(&p, &c);
                    self.by_id[i] = Some(Named {
                        protocol: p,
                        category: c,
                        wanted,
                    });
                }
                match &self.by_id[i] {
                    Some(n) => n,
                    None => &self.unsupported, // filled just above
                }
            }
        }
    }

    /// (protocol, category) of a label.
    pub fn names(&mut self, label: Label) -> (&str, &str) {
        let n = self.named(label);
        (&n.protocol, &n.category)
    }

    pub fn wanted(&mut self, label: Label) -> bool {
        self.named(label).wanted
    }

    /// Counts by (protocol, category), for the summary.
    pub fn resolve_counts(
        &mut self,
        counts: &HashMap<Label, u64>,
    ) -> HashMap<(String, String), u64> {
        let mut out = HashMap::new();
        for (l, n) in counts {
            let (p, c) = self.names(*l);
            *out.entry((p.to_string(), c.to_string())).or_insert(0) += n;
        }
        out
    }
}

/// The `protocols` / `protocol_categories` selection, applied alike to every record type.
#[derive(Debug, Clone)]
pub struct Selection {
    all: bool,
    protocols: Vec<String>,
    categories: Vec<String>,
}

impl Selection {
    pub fn new(protocols: &[String], categories: &[String]) -> Selection {
        let all = protocols.iter().chain(categories).any(|p| p == "ALL");
        Selection {
            all,
            protocols: protocols.to_vec(),
            categories: categories.to_vec(),
        }
    }

    pub fn wants(&self, protocol: &str, category: &str) -> bool {
        self.all
            || self.protocols.iter().any(|p| p == protocol)
            || self.categories.iter().any(|c| c == category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_by_protocol_category_or_all() {
        let s = Selection::new(&["HTTP".into()], &["Unknown".into()]);
        assert!(s.wants("Unknown_TCP", "Unknown"));
        assert!(s.wants("HTTP", "Web"));
        assert!(!s.wants("No_Payload", "No_Payload"));
        assert!(Selection::new(&[], &["ALL".into()]).wants("ICMP", "ICMP"));
        assert!(!Selection::new(&[], &[]).wants("ICMP", "ICMP"));
    }
}

//! Which contract version a refused component was built against.
//!
//! World-level exports carry no package version in their names, so a rule
//! built against an older or newer `wit/classifier.wit` shows up only as a
//! type mismatch. Its `manifest` result tells the versions apart: the fields
//! of its `rule` record are the contract's history. This turns "`manifest`
//! does not match" into the version the rule wants and the one we speak.

use wasmtime::component::types::{ComponentItem, Type};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The contract this host speaks.
pub const CONTRACT: &str = "flowsieve:classifier@0.2.0";

/// `rule` record fields, per contract version, oldest first.
const RULE_FIELDS: &[(&str, &[&str])] = &[
    (
        "flowsieve:classifier@0.1.0",
        &["protocol", "category", "transport", "priority", "ports"],
    ),
    (
        "flowsieve:classifier@0.2.0",
        &[
            "protocol",
            "category",
            "transport",
            "priority",
            "ports",
            "leads",
        ],
    ),
];

/// A sentence on the version mismatch, if the component's `manifest` export
/// looks like another version of the contract.
pub(crate) fn diagnose(component: &Component, engine: &Engine) -> Option<String> {
    let ty = component.component_type();
    let manifest = ty.exports(engine).find_map(|(name, item)| match item.ty {
        ComponentItem::ComponentFunc(f) if name == "manifest" => f.results().next(),
        _ => None,
    })?;
    let rule = record_field(&manifest, "rules").and_then(|rules| match rules {
        Type::List(list) => Some(list.ty()),
        _ => None,
    })?;
    let Type::Record(rule) = rule else {
        return None;
    };
    let fields: Vec<&str> = rule.fields().map(|f| f.name).collect();
    if let Some((version, _)) = RULE_FIELDS
        .iter()
        .find(|(_, known)| *known == fields.as_slice())
    {
        return (*version != CONTRACT).then(|| {
            format!(
                "built against {version}; this flowsieve speaks {CONTRACT}: rebuild the rule \
                 with the current SDK or wit/classifier.wit"
            )
        });
    }
    let ours = RULE_FIELDS.last().map_or(&[][..], |(_, f)| *f);
    let newer = fields.len() > ours.len() && fields.starts_with(ours);
    newer.then(|| {
        format!(
            "built against a newer contract than {CONTRACT} (its rules have the fields {}): \
             upgrade flowsieve, or rebuild the rule against {CONTRACT}",
            fields.join(", ")
        )
    })
}

fn record_field(ty: &Type, name: &str) -> Option<Type> {
    match ty {
        Type::Record(r) => r.fields().find(|f| f.name == name).map(|f| f.ty),
        _ => None,
    }
}

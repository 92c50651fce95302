//! Which contract version a refused component was built against.
//!
//! World-level exports carry no package version in their names, so a rule
//! built against an older or newer `wit/classifier.wit` shows up only as a
//! type mismatch. Its export types tell the versions apart: the fields of the
//! `rule` record (`manifest`'s result) and the type of `flow-view.alpn`
//! (`classify`'s parameter) are the contract's history. This turns
//! "`manifest` does not match" into the version the rule wants and the one we
//! speak.

use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The contract this host speaks.
pub const CONTRACT: &str = "flowsieve:classifier@0.3.0";

/// What a contract version looks like from outside.
#[derive(Debug, PartialEq, Eq)]
struct Shape<'a> {
    /// Fields of the `rule` record, in order.
    rule_fields: &'a [&'a str],
    /// `flow-view.alpn` is `option<list<string>>` (0.3.0 on), not `list<string>`.
    optional_alpn: bool,
}

const FIELDS_0_1: &[&str] = &["protocol", "category", "transport", "priority", "ports"];
const FIELDS_0_2: &[&str] = &[
    "protocol",
    "category",
    "transport",
    "priority",
    "ports",
    "leads",
];

/// Every contract version, oldest first; the last is [`CONTRACT`].
const VERSIONS: &[(&str, Shape<'static>)] = &[
    (
        "flowsieve:classifier@0.1.0",
        Shape {
            rule_fields: FIELDS_0_1,
            optional_alpn: false,
        },
    ),
    (
        "flowsieve:classifier@0.2.0",
        Shape {
            rule_fields: FIELDS_0_2,
            optional_alpn: false,
        },
    ),
    (
        CONTRACT,
        Shape {
            rule_fields: FIELDS_0_2,
            optional_alpn: true,
        },
    ),
];

/// A sentence on the version mismatch, if the component's exports look like
/// another version of the contract.
pub(crate) fn diagnose(component: &Component, engine: &Engine) -> Option<String> {
    let ty = component.component_type();
    let export = |wanted: &str| {
        ty.exports(engine).find_map(|(name, item)| match item.ty {
            ComponentItem::ComponentFunc(f) if name == wanted => Some(f),
            _ => None,
        })
    };
    let rule = manifest_rule(&export("manifest")?)?;
    let fields: Vec<&str> = rule.fields().map(|f| f.name).collect();
    // A component whose `classify` is missing or unreadable is judged by its rules alone.
    let optional_alpn = export("classify")
        .and_then(|f| alpn_is_optional(&f))
        .unwrap_or(false);
    let theirs = Shape {
        rule_fields: &fields,
        optional_alpn,
    };
    if let Some((version, _)) = VERSIONS.iter().find(|(_, shape)| *shape == theirs) {
        return (*version != CONTRACT).then(|| {
            format!(
                "built against {version}; this flowsieve speaks {CONTRACT}: rebuild the rule \
                 with the current SDK or wit/classifier.wit"
            )
        });
    }
    let (_, ours) = VERSIONS.last()?;
    let newer = fields.len() > ours.rule_fields.len()
        && fields.starts_with(ours.rule_fields)
        && optional_alpn == ours.optional_alpn;
    newer.then(|| {
        format!(
            "built against a newer contract than {CONTRACT} (its rules have the fields {}): \
             upgrade flowsieve, or rebuild the rule against {CONTRACT}",
            fields.join(", ")
        )
    })
}

/// The `rule` record inside `manifest`'s result.
fn manifest_rule(manifest: &ComponentFunc) -> Option<wasmtime::component::types::Record> {
    let result = manifest.results().next()?;
    match record_field(&result, "rules")? {
        Type::List(list) => match list.ty() {
            Type::Record(rule) => Some(rule),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `classify`'s `flow-view.alpn` is an option (`None` if it has no such field).
fn alpn_is_optional(classify: &ComponentFunc) -> Option<bool> {
    let (_, view) = classify.params().next()?;
    match record_field(&view, "alpn")? {
        Type::Option(_) => Some(true),
        Type::List(_) => Some(false),
        _ => None,
    }
}

fn record_field(ty: &Type, name: &str) -> Option<Type> {
    match ty {
        Type::Record(r) => r.fields().find(|f| f.name == name).map(|f| f.ty),
        _ => None,
    }
}
